// creditkb dashboard: the objection queue of the region's agencies (信用异议, rule 21),
// oldest deadline first, the overdue ones marked.  Its own file beside dashboard.js, which
// calls window.creditkbObjections.load(state) on every refresh (the key, region and day).
// Its words are the catalogue's, through dashboard.js's t() and Intl dates (state.t,
// state.fmtDate); a status is the case's word (受理, 核查中, ...), worded per language.
(function () {
  'use strict';
  var QUERY = 'query($region: String, $asOf: Date) { objections(region: $region, asOf: $asOf, first: 50) {' +
    ' total items { dueOn overdue objection { id objectionNo status filedOn record agency subjectId } } } }';
  var STATUSES = { '受理': 'dashboard.objections.status_accepted',
                   '核查中': 'dashboard.objections.status_under_review',
                   '维持': 'dashboard.objections.status_upheld',
                   '更正': 'dashboard.objections.status_corrected',
                   '撤销': 'dashboard.objections.status_withdrawn',
                   '不予受理': 'dashboard.objections.status_not_accepted' };

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function statusWord(state, status) {  // also for todo.js's waiting objections
    return STATUSES[status] ? state.t(STATUSES[status]) : status;
  }

  function show(state, body) {
    var q = body.data && body.data.objections;
    if (!q) {  // not a regulator's key: the queue is not its to see
      $('objections-note').textContent = (body.errors && body.errors[0].message) || '';
      $('objections-table').querySelector('tbody').innerHTML = '';
      return;
    }
    var overdue = q.items.filter(function (i) { return i.overdue; }).length;
    $('objections-note').textContent = state.t('dashboard.objections.note',
      { open: state.fmtNum(q.total), overdue: state.fmtNum(overdue) });
    $('objections-table').querySelector('tbody').innerHTML = q.items.map(function (i) {
      var o = i.objection;
      return '<tr' + (i.overdue ? ' class="overdue"' : '') + ' data-status="' + esc(o.status) + '"><td>' +
        esc(o.objectionNo || o.id) + '</td><td>' + esc(statusWord(state, o.status)) + '</td><td>' +
        esc(state.fmtDate(i.dueOn)) +
        (i.overdue ? ' <span class="badge">' + esc(state.t('dashboard.objections.overdue')) + '</span>' : '') +
        '</td><td>' + esc(state.fmtDate(o.filedOn)) + '</td><td>' + esc(o.record) + '</td><td>' +
        esc(o.agency) + '</td></tr>';
    }).join('');
  }

  function load(state) {
    if (!state || !state.key) { return Promise.resolve(); }
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': state.lang,
                 'authorization': 'Bearer ' + state.key },
      body: JSON.stringify({ query: QUERY, variables: { region: state.region, asOf: state.asOf || null } })
    }).then(function (r) { return r.json(); }).then(function (body) { show(state, body); })
      .catch(function (err) { $('objections-note').textContent = err.message; });
  }

  window.creditkbObjections = { load: load, statusWord: statusWord };
})();
