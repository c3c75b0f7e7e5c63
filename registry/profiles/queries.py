"""SPARQL CONSTRUCT queries that build each profile's view from the ``cb:`` graph.

Every query runs on an in-memory store where the triples of the item (or of a whole dump) are in the
graph ``ITEM_GRAPH`` and the reference triples it needs (levels, code lists, the units of a standard…)
in another graph; the default graph is the union of both. The focus of each query (what the view
is *about*) is matched in ``ITEM_GRAPH`` only, so reference data appears only as far as the view
links to it (the labels of an EQF level, an ISCED-F field or a credit system). docs/profiles.md has
the mapping tables and their sources.
"""

from __future__ import annotations

ITEM_GRAPH = "urn:x-gdlecb:profile-item"

PREFIXES = """
PREFIX cb: <https://w3id.org/gdlecb/def/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX ceterms: <https://purl.org/ctdl/terms/>
PREFIX ceasn: <https://purl.org/ctdlasn/terms/>
PREFIX reg: <http://purl.org/linked-data/registry#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _q(body: str) -> str:
    return PREFIXES + body.replace("ITEM", f"<{ITEM_GRAPH}>")


# units in focus: the item's units, or the units of the item's standard
FOCUS_UNIT = """
  { GRAPH ITEM { ?u a cb:Unit } }
  UNION { GRAPH ITEM { ?std0 a cb:CompetencyStandard } ?a0 cb:standard ?std0 . ?u cb:functionalArea ?a0 . ?u a cb:Unit }
"""

# EU language authority table (the languages of our literals); LOQ requires dcterms:language
LANGUAGES = """
  VALUES (?tag ?langc ?langzh ?langen) {
    ("zh" <http://publications.europa.eu/resource/authority/language/ZHO> "中文"@zh "Chinese"@en)
    ("en" <http://publications.europa.eu/resource/authority/language/ENG> "英语"@zh "English"@en)
  }
"""
LANG_SCHEME = "<http://publications.europa.eu/resource/authority/language>"

# ----------------------------------------------------------------------------------------------------
# skos: a plain SKOS/DCTERMS view
# ----------------------------------------------------------------------------------------------------

SKOS_PROPS = ("skos:prefLabel skos:altLabel skos:hiddenLabel skos:notation skos:definition skos:scopeNote "
              "skos:note skos:editorialNote skos:changeNote skos:example skos:historyNote "
              "skos:broader skos:narrower skos:related skos:inScheme skos:topConceptOf skos:hasTopConcept "
              "skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch "
              "dcterms:title dcterms:description dcterms:source dcterms:created dcterms:issued dcterms:modified "
              "dcterms:license dcterms:publisher dcterms:creator dcterms:isReplacedBy dcterms:replaces").split()

SKOS = [
    # concepts and schemes as they are (frameworks, levels, code lists)
    _q("""
CONSTRUCT { ?s a ?t . ?s ?p ?o }
WHERE {
  GRAPH ITEM { ?s a ?t . VALUES ?t { skos:Concept skos:ConceptScheme } }
  GRAPH ITEM { ?s ?p ?o . VALUES ?p { %s } }
}""" % " ".join(SKOS_PROPS)),
    # level descriptors: scope notes of their level
    _q("""
CONSTRUCT { ?lvl skos:scopeNote ?text }
WHERE { GRAPH ITEM { ?lvl cb:descriptor ?d . ?d cb:descriptorText ?text } }"""),
    # a competency standard is a concept scheme; its functional areas are its top concepts
    _q("""
CONSTRUCT {
  ?std a skos:ConceptScheme ; skos:prefLabel ?l ; skos:altLabel ?alt ; skos:notation ?n ;
       dcterms:description ?d ; dcterms:issued ?iss ; dcterms:creator ?dev ; skos:hasTopConcept ?a .
  ?a a skos:Concept ; skos:prefLabel ?al ; skos:notation ?an ; skos:definition ?ad ;
     skos:inScheme ?std ; skos:topConceptOf ?std .
}
WHERE {
  GRAPH ITEM { ?std a cb:CompetencyStandard ; skos:prefLabel ?l }
  OPTIONAL { ?std skos:altLabel ?alt } OPTIONAL { ?std skos:notation ?n } OPTIONAL { ?std dcterms:description ?d }
  OPTIONAL { ?std dcterms:issued ?iss } OPTIONAL { ?std cb:developer ?dev }
  OPTIONAL { GRAPH ITEM { ?a cb:standard ?std ; skos:prefLabel ?al }
             OPTIONAL { ?a skos:notation ?an } OPTIONAL { ?a dcterms:description ?ad } }
}"""),
    # a unit is a concept of its standard's scheme, narrower than its functional area
    _q("""
CONSTRUCT {
  ?u a skos:Concept ; skos:prefLabel ?l ; skos:altLabel ?alt ; skos:notation ?n ; skos:definition ?def ;
     skos:scopeNote ?range ; skos:note ?rem ; skos:broader ?a ; skos:inScheme ?std ; dcterms:issued ?iss .
  ?a skos:narrower ?u .
}
WHERE {
  GRAPH ITEM { ?u a cb:Unit ; skos:prefLabel ?l }
  OPTIONAL { ?u skos:altLabel ?alt } OPTIONAL { ?u skos:notation ?n } OPTIONAL { ?u cb:competencyStatement ?def }
  OPTIONAL { ?u cb:range ?range } OPTIONAL { ?u cb:remarks ?rem } OPTIONAL { ?u dcterms:issued ?iss }
  OPTIONAL { ?u cb:functionalArea ?a OPTIONAL { ?a cb:standard ?std } }
}"""),
    # other registered things (organisations, achievements, rules, qualifications, conversions): labelled concepts
    _q("""
CONSTRUCT { ?x a skos:Concept ; skos:prefLabel ?l ; skos:altLabel ?alt ; skos:notation ?n ; skos:definition ?d ;
              skos:editorialNote ?en ; dcterms:creator ?by ; dcterms:source ?src }
WHERE {
  GRAPH ITEM { ?x a ?t ; skos:prefLabel ?l .
               VALUES ?t { cb:Organisation cb:Achievement cb:TransferRule cb:Qualification cb:QualificationComponent cb:CreditConversion } }
  OPTIONAL { ?x skos:altLabel ?alt } OPTIONAL { ?x skos:notation ?n } OPTIONAL { ?x dcterms:description ?d }
  OPTIONAL { ?x skos:editorialNote ?en } OPTIONAL { ?x cb:awardingBody ?by } OPTIONAL { ?x dcterms:source ?src }
}"""),
    # labels of the external concepts the view links to (EQF, HKQF, ISCED-F…), from the data we ship
    _q("""
CONSTRUCT { ?ext skos:prefLabel ?l }
WHERE {
  GRAPH ITEM { ?s ?m ?ext . VALUES ?m { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch } }
  ?ext skos:prefLabel ?l .
  FILTER NOT EXISTS { GRAPH ITEM { ?ext skos:prefLabel ?l } }
}"""),
]

# ----------------------------------------------------------------------------------------------------
# elm: European Learning Model v3 (LOQ application profile)
# ----------------------------------------------------------------------------------------------------

_CONCEPT_STUBS = """
  ?c a skos:Concept ; skos:prefLabel ?cl ; skos:notation ?cn ; skos:inScheme ?cs .
  ?cs a skos:ConceptScheme .
"""

ELM = [
    # units: learning achievement specifications
    _q("""
CONSTRUCT {
  ?u a elm:LearningAchievementSpecification ; dcterms:title ?l ; skos:altLabel ?alt ; dcterms:description ?def ;
     adms:identifier ?id ; elm:learningOutcome ?lo ; elm:status ?status .
  ?id a elm:Identifier ; skos:notation ?n ; elm:schemeName "GDLECB unit code" .
}
WHERE {
  %s
  ?u skos:prefLabel ?l .
  OPTIONAL { ?u skos:altLabel ?alt FILTER NOT EXISTS { ?u skos:prefLabel ?alt } }
  OPTIONAL { ?u cb:competencyStatement ?def }
  OPTIONAL { ?u skos:notation ?n BIND(IRI(CONCAT(STR(?u), "#identifier")) AS ?id) }
  OPTIONAL { ?u cb:learningOutcome ?lo }
  OPTIONAL { ?u reg:status ?st BIND(REPLACE(LCASE(REPLACE(STR(?st), "^.*#status", "")), "[^a-z]", "") AS ?status) }
}""" % FOCUS_UNIT),
    # unit texts beyond the description: range, assessment criteria and remarks as notes
    _q("""
CONSTRUCT { ?u elm:additionalNote ?note . ?note a elm:Note ; elm:noteLiteral ?text . }
WHERE {
  %s
  { ?u cb:range ?text BIND("range" AS ?k) } UNION { ?u cb:assessmentCriteria ?text BIND("assessment" AS ?k) }
  UNION { ?u cb:remarks ?text BIND("remarks" AS ?k) }
  BIND(IRI(CONCAT(STR(?u), "#note-", ?k, "-", LANG(?text), "-", MD5(STR(?text)))) AS ?note)
}""" % FOCUS_UNIT),
    # learning outcomes (their dimension as dcterms:type)
    _q("""
CONSTRUCT { ?lo a elm:LearningOutcome ; dcterms:title ?t ; dcterms:type ?dim .
            ?dim a skos:Concept ; skos:prefLabel ?dl ; skos:inScheme ?ds . ?ds a skos:ConceptScheme . }
WHERE {
  %s
  ?u cb:learningOutcome ?lo . ?lo skos:prefLabel ?t .
  OPTIONAL { ?lo cb:dimension ?dim OPTIONAL { ?dim skos:prefLabel ?dl } OPTIONAL { ?dim skos:inScheme ?ds } }
}""" % FOCUS_UNIT),
    # credit points
    _q("""
CONSTRUCT { ?u elm:creditPoint ?cp . ?cp a elm:CreditPoint ; elm:framework ?fw ; elm:point ?pt .
            ?fw a skos:Concept ; skos:prefLabel ?fl . }
WHERE {
  %s
  ?u cb:creditValue ?cv . ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt .
  OPTIONAL { ?sys skos:exactMatch ?eu FILTER(STRSTARTS(STR(?eu), "http://data.europa.eu/snb/education-credit/")) }
  BIND(COALESCE(?eu, ?sys) AS ?fw) BIND(STR(?amt) AS ?pt)
  BIND(IRI(CONCAT(STR(?u), "#credit-", MD5(STR(?sys)))) AS ?cp)
  OPTIONAL { ?sys skos:prefLabel ?fl }
}""" % FOCUS_UNIT),
    # levels: the Guangdong level and the EQF level it maps to (close or exact match)
    _q("""
CONSTRUCT { ?u elm:educationLevel ?c . %s }
WHERE {
  %s
  ?u cb:level ?lvl .
  { ?u cb:level ?c } UNION { ?u cb:level/(skos:closeMatch|skos:exactMatch) ?c FILTER(STRSTARTS(STR(?c), "http://data.europa.eu/snb/eqf/")) }
  OPTIONAL { ?c skos:prefLabel ?cl } OPTIONAL { ?c skos:notation ?cn } OPTIONAL { ?c skos:inScheme ?cs }
}""" % (_CONCEPT_STUBS, FOCUS_UNIT)),
    # ISCED-F: the official IRIs of the fields of the unit's standard
    _q("""
CONSTRUCT { ?u elm:ISCEDFCode ?c . ?c a skos:Concept ; skos:prefLabel ?cl ; skos:notation ?cn . }
WHERE {
  %s
  ?u cb:functionalArea/cb:standard/cb:fieldOfStudy ?f . ?f skos:exactMatch ?c .
  FILTER(STRSTARTS(STR(?c), "http://data.europa.eu/snb/isced-f/"))
  OPTIONAL { ?f skos:prefLabel ?cl } OPTIONAL { ?f skos:notation ?cn }
}""" % FOCUS_UNIT),
    # languages of the titles
    _q("""
CONSTRUCT { ?x dcterms:language ?langc . ?langc a skos:Concept ; skos:prefLabel ?langzh , ?langen ; skos:inScheme %s .
            %s a skos:ConceptScheme . }
WHERE {
  { %s BIND(?u AS ?x) } UNION { GRAPH ITEM { ?x a cb:CompetencyStandard } } UNION { GRAPH ITEM { ?x a cb:Qualification } }
  ?x skos:prefLabel ?l . BIND(LANG(?l) AS ?tag) %s
}""" % (LANG_SCHEME, LANG_SCHEME, FOCUS_UNIT, LANGUAGES)),
    # competency standards: a specification made of its units, with their outcomes
    _q("""
CONSTRUCT {
  ?std a elm:LearningAchievementSpecification ; dcterms:title ?l ; skos:altLabel ?alt ; dcterms:description ?d ;
       adms:identifier ?id ; elm:hasPart ?u ; elm:learningOutcome ?lo ; elm:ISCEDFCode ?c ; elm:status ?status .
  ?id a elm:Identifier ; skos:notation ?n ; elm:schemeName "GDLECB standard code" .
  ?c a skos:Concept ; skos:prefLabel ?cl ; skos:notation ?cn .
}
WHERE {
  GRAPH ITEM { ?std a cb:CompetencyStandard ; skos:prefLabel ?l }
  OPTIONAL { ?std skos:altLabel ?alt FILTER NOT EXISTS { ?std skos:prefLabel ?alt } }
  OPTIONAL { ?std dcterms:description ?d }
  OPTIONAL { ?std skos:notation ?n BIND(IRI(CONCAT(STR(?std), "#identifier")) AS ?id) }
  OPTIONAL { ?a cb:standard ?std . ?u cb:functionalArea ?a ; a cb:Unit OPTIONAL { ?u cb:learningOutcome ?lo } }
  OPTIONAL { ?std cb:fieldOfStudy ?f . ?f skos:exactMatch ?c FILTER(STRSTARTS(STR(?c), "http://data.europa.eu/snb/isced-f/"))
             OPTIONAL { ?f skos:prefLabel ?cl } OPTIONAL { ?f skos:notation ?cn } }
  OPTIONAL { ?std reg:status ?st BIND(REPLACE(LCASE(REPLACE(STR(?st), "^.*#status", "")), "[^a-z]", "") AS ?status) }
}"""),
    # qualifications
    _q("""
CONSTRUCT {
  ?q a elm:Qualification ; dcterms:title ?l ; skos:altLabel ?alt ; dcterms:description ?d ; adms:identifier ?id ;
     elm:status ?status .
  ?id a elm:Identifier ; skos:notation ?n ; elm:schemeName "GDLECB qualification code" .
}
WHERE {
  GRAPH ITEM { ?q a cb:Qualification ; skos:prefLabel ?l }
  OPTIONAL { ?q skos:altLabel ?alt FILTER NOT EXISTS { ?q skos:prefLabel ?alt } }
  OPTIONAL { ?q dcterms:description ?d }
  OPTIONAL { ?q skos:notation ?n BIND(IRI(CONCAT(STR(?q), "#identifier")) AS ?id) }
  OPTIONAL { ?q reg:status ?st BIND(REPLACE(LCASE(REPLACE(STR(?st), "^.*#status", "")), "[^a-z]", "") AS ?status) }
}"""),
    # qualification levels: the Guangdong level (NQF) and its EQF level
    _q("""
CONSTRUCT { ?q elm:NQFLevel ?lvl ; elm:EQFLevel ?eqf .
            ?lvl a skos:Concept ; skos:prefLabel ?ll ; skos:notation ?ln ; skos:inScheme ?ls . ?ls a skos:ConceptScheme .
            ?eqf a skos:Concept ; skos:prefLabel ?el ; skos:notation ?en ; skos:inScheme ?es . ?es a skos:ConceptScheme . }
WHERE {
  GRAPH ITEM { ?q a cb:Qualification ; cb:level ?lvl }
  OPTIONAL { ?lvl skos:prefLabel ?ll } OPTIONAL { ?lvl skos:notation ?ln } OPTIONAL { ?lvl skos:inScheme ?ls }
  OPTIONAL { ?lvl skos:closeMatch|skos:exactMatch ?eqf FILTER(STRSTARTS(STR(?eqf), "http://data.europa.eu/snb/eqf/"))
             OPTIONAL { ?eqf skos:prefLabel ?el } OPTIONAL { ?eqf skos:notation ?en } OPTIONAL { ?eqf skos:inScheme ?es } }
}"""),
    # qualification learning outcomes: the descriptors of its level (generic outcomes of that level)
    _q("""
CONSTRUCT { ?q elm:learningOutcome ?d . ?d a elm:LearningOutcome ; dcterms:title ?t ; dcterms:type ?dim .
            ?dim a skos:Concept ; skos:prefLabel ?dl ; skos:inScheme ?ds . ?ds a skos:ConceptScheme . }
WHERE {
  GRAPH ITEM { ?q a cb:Qualification ; cb:level ?lvl }
  ?lvl cb:descriptor ?d . ?d cb:descriptorText ?t .
  OPTIONAL { ?d cb:dimension ?dim OPTIONAL { ?dim skos:prefLabel ?dl } OPTIONAL { ?dim skos:inScheme ?ds } }
}"""),
    # qualification fields: ISCED-F of the standards its requirements draw on
    _q("""
CONSTRUCT { ?q elm:ISCEDFCode ?c . ?c a skos:Concept ; skos:prefLabel ?cl ; skos:notation ?cn . }
WHERE {
  GRAPH ITEM { ?q a cb:Qualification ; cb:requirement ?top }
  ?top (cb:part)* ?r .
  { ?r cb:fromStandard ?std } UNION { ?r cb:requiredUnit|cb:option ?u . ?u cb:functionalArea/cb:standard ?std }
  ?std cb:fieldOfStudy ?f . ?f skos:exactMatch ?c . FILTER(STRSTARTS(STR(?c), "http://data.europa.eu/snb/isced-f/"))
  OPTIONAL { ?f skos:prefLabel ?cl } OPTIONAL { ?f skos:notation ?cn }
}"""),
]

# ----------------------------------------------------------------------------------------------------
# ctdl: CTDL and CTDL-ASN
# ----------------------------------------------------------------------------------------------------

CTDL = [
    _q("""
CONSTRUCT {
  ?std a ceasn:CompetencyFramework ; ceasn:name ?l ; ceasn:description ?d ; ceasn:creator ?dev ;
       ceasn:dateCreated ?iss ; ceasn:hasTopChild ?a ; ceasn:inLanguage ?lang ; ceasn:alternateName ?alt .
  ?a a ceasn:Competency ; ceasn:competencyLabel ?al ; ceasn:competencyText ?ad ; ceasn:codedNotation ?an ;
     ceasn:isTopChildOf ?std ; ceasn:isPartOf ?std .
}
WHERE {
  GRAPH ITEM { ?std a cb:CompetencyStandard ; skos:prefLabel ?l BIND(LANG(?l) AS ?lang) }
  OPTIONAL { ?std dcterms:description ?d } OPTIONAL { ?std cb:developer ?dev } OPTIONAL { ?std dcterms:issued ?iss }
  OPTIONAL { ?std skos:altLabel ?alt }
  OPTIONAL { GRAPH ITEM { ?a cb:standard ?std ; skos:prefLabel ?al }
             OPTIONAL { ?a dcterms:description ?ad } OPTIONAL { ?a skos:notation ?an } }
}"""),
    _q("""
CONSTRUCT {
  ?u a ceasn:Competency ; ceasn:competencyLabel ?l ; ceasn:competencyText ?text ; ceasn:codedNotation ?n ;
     ceasn:conceptKeyword ?alt ; ceasn:comment ?rem ; ceasn:isChildOf ?a ; ceasn:isPartOf ?std ;
     ceasn:complexityLevel ?lvl ; ceasn:dateCreated ?iss .
  ?a ceasn:hasChild ?u .
}
WHERE {
  GRAPH ITEM { ?u a cb:Unit ; skos:prefLabel ?l }
  OPTIONAL { ?u cb:competencyStatement ?text } OPTIONAL { ?u skos:notation ?n } OPTIONAL { ?u skos:altLabel ?alt }
  OPTIONAL { ?u cb:remarks ?rem } OPTIONAL { ?u cb:level ?lvl } OPTIONAL { ?u dcterms:issued ?iss }
  OPTIONAL { ?u cb:functionalArea ?a OPTIONAL { ?a cb:standard ?std } }
}"""),
    # credit values: value profiles
    _q("""
CONSTRUCT { ?x ceterms:creditValue ?vp . ?vp a ceterms:ValueProfile ; ceterms:value ?amt ; ceterms:creditUnitType ?sys ;
            ceterms:creditUnitTypeDescription ?sl . }
WHERE {
  GRAPH ITEM { ?x a ?t . VALUES ?t { cb:Unit cb:Achievement cb:QualificationComponent } ?x cb:creditValue ?cv .
               ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt }
  OPTIONAL { ?sys skos:prefLabel ?sl }
  BIND(IRI(CONCAT(STR(?x), "#credit-", MD5(STR(?sys)))) AS ?vp)
}"""),
    _q("""
CONSTRUCT { ?o a ceterms:CredentialOrganization ; ceterms:name ?l ; ceterms:alternateName ?alt ; ceterms:description ?d ;
              ceterms:subjectWebpage ?home . }
WHERE {
  GRAPH ITEM { ?o a cb:Organisation ; skos:prefLabel ?l }
  OPTIONAL { ?o skos:altLabel ?alt } OPTIONAL { ?o dcterms:description ?d }
  OPTIONAL { ?o <http://xmlns.com/foaf/0.1/homepage> ?home }
}"""),
    _q("""
CONSTRUCT {
  ?r a ceterms:TransferValueProfile ; ceterms:name ?l ; ceterms:description ?cond ; ceterms:identifier ?id ;
     ceterms:transferValueFrom ?from ; ceterms:transferValueFor ?to ; ceterms:startDate ?vf ; ceterms:endDate ?vu ;
     ceterms:ownedBy ?body ; ceterms:transferValue ?vp .
  ?id a ceterms:IdentifierValue ; ceterms:identifierValueCode ?n .
  ?vp a ceterms:ValueProfile ; ceterms:value ?amt ; ceterms:creditUnitType ?sys .
}
WHERE {
  GRAPH ITEM { ?r a cb:TransferRule ; skos:prefLabel ?l }
  OPTIONAL { ?r cb:conditions ?cond }
  OPTIONAL { ?r skos:notation ?n BIND(IRI(CONCAT(STR(?r), "#identifier")) AS ?id) }
  OPTIONAL { ?r cb:fromAchievement|cb:fromUnit ?from } OPTIONAL { ?r cb:toUnit|cb:toComponent ?to }
  OPTIONAL { ?r cb:validFrom ?vf } OPTIONAL { ?r cb:validUntil ?vu } OPTIONAL { ?r cb:recognitionBody ?body }
  OPTIONAL { ?r cb:creditValue ?cv . ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt
             BIND(IRI(CONCAT(STR(?r), "#transfer-value")) AS ?vp) }
}"""),
    # achievements and qualifications: credentials
    _q("""
CONSTRUCT { ?x a ceterms:Credential ; ceterms:name ?l ; ceterms:alternateName ?alt ; ceterms:description ?d ;
              ceterms:ownedBy ?by ; ceterms:codedNotation ?n . }
WHERE {
  GRAPH ITEM { ?x a ?t ; skos:prefLabel ?l . VALUES ?t { cb:Achievement cb:Qualification } }
  OPTIONAL { ?x skos:altLabel ?alt } OPTIONAL { ?x dcterms:description ?d }
  OPTIONAL { ?x cb:awardingBody ?by } OPTIONAL { ?x skos:notation ?n }
}"""),
    _q("""
CONSTRUCT { ?c a ceterms:Course ; ceterms:name ?l ; ceterms:codedNotation ?n ; ceterms:isPartOf ?q . }
WHERE { GRAPH ITEM { ?c a cb:QualificationComponent ; skos:prefLabel ?l } OPTIONAL { ?c skos:notation ?n }
        OPTIONAL { ?c cb:componentOf ?q } }"""),
]
