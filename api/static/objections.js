// creditkb dashboard: the objection queue of the region's agencies (信用异议, rule 21),
// oldest deadline first, the overdue ones marked.  Its own file beside dashboard.js, which
// calls window.creditkbObjections.load(state) on every refresh (the key, region and day).
(function () {
  'use strict';
  var QUERY = 'query($region: String, $asOf: Date) { objections(region: $region, asOf: $asOf, first: 50) {' +
    ' total items { dueOn overdue objection { id objectionNo status filedOn record agency subjectId } } } }';

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function show(body) {
    var q = body.data && body.data.objections;
    if (!q) {  // not a regulator's key: the queue is not its to see
      $('objections-note').textContent = (body.errors && body.errors[0].message) || '';
      $('objections-table').querySelector('tbody').innerHTML = '';
      return;
    }
    var overdue = q.items.filter(function (i) { return i.overdue; }).length;
    $('objections-note').textContent = q.total + ' open, ' + overdue + ' overdue';
    $('objections-table').querySelector('tbody').innerHTML = q.items.map(function (i) {
      var o = i.objection;
      return '<tr' + (i.overdue ? ' class="overdue"' : '') + '><td>' + esc(o.objectionNo || o.id) +
        '</td><td>' + esc(o.status) + '</td><td>' + esc(i.dueOn) +
        (i.overdue ? ' <span class="badge">overdue</span>' : '') + '</td><td>' + esc(o.filedOn) +
        '</td><td>' + esc(o.record) + '</td><td>' + esc(o.agency) + '</td></tr>';
    }).join('');
  }

  function load(state) {
    if (!state || !state.key) { return Promise.resolve(); }
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'authorization': 'Bearer ' + state.key },
      body: JSON.stringify({ query: QUERY, variables: { region: state.region, asOf: state.asOf || null } })
    }).then(function (r) { return r.json(); }).then(show)
      .catch(function (err) { $('objections-note').textContent = err.message; });
  }

  window.creditkbObjections = { load: load };
})();
