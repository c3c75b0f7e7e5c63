"""The bilingual catalogue: site data from the store (``queries``), page contexts (``pages``,
``service``), rendering (``render``), link building (``urls``), search (``search``), the live
routes (``routes``) and the static build (``build``)."""
