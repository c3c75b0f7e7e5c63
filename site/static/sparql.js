// The SPARQL query page (registry/sparql/templates/query.html): examples and the results table.
// A file, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function(){
  var form=document.getElementById('q'),out=document.getElementById('out'),ta=document.getElementById('query');
  document.querySelectorAll('.examples button').forEach(function(b){b.addEventListener('click',function(){ta.value=b.getAttribute('data-query');});});
  function cell(t){var td=document.createElement('td');td.textContent=t;return td;}
  form.addEventListener('submit',function(e){
    if(document.getElementById('format').value){return;}
    e.preventDefault();out.textContent='…';
    fetch(form.action,{method:'POST',headers:{'Content-Type':'application/x-www-form-urlencoded','Accept':'application/sparql-results+json,text/turtle;q=0.9'},body:new URLSearchParams({query:ta.value})})
    .then(function(r){return r.text().then(function(t){return [r,t];});})
    .then(function(rt){var r=rt[0],t=rt[1];out.textContent='';
      if(!r.ok){var p=document.createElement('pre');p.className='err';p.textContent=r.status+' '+t;out.appendChild(p);return;}
      if((r.headers.get('Content-Type')||'').indexOf('sparql-results+json')<0){var pre=document.createElement('pre');pre.textContent=t;out.appendChild(pre);return;}
      var j=JSON.parse(t);if(j.boolean!==undefined){out.textContent=String(j.boolean);return;}
      var tb=document.createElement('table'),hr=document.createElement('tr');
      j.head.vars.forEach(function(v){var th=document.createElement('th');th.textContent=v;hr.appendChild(th);});tb.appendChild(hr);
      j.results.bindings.forEach(function(b){var tr=document.createElement('tr');j.head.vars.forEach(function(v){var x=b[v];tr.appendChild(cell(x?(x.value+(x['xml:lang']?' @'+x['xml:lang']:'')):''));});tb.appendChild(tr);});
      var n=document.createElement('p');n.textContent=j.results.bindings.length+' 行 · rows';out.appendChild(n);out.appendChild(tb);})
    .catch(function(err){out.textContent=String(err);});
  });
})();
