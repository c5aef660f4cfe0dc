/* The dashboard's "to do" panel and live feed (issue 15, item 5).  Reads the key, region
   and date the main script (dashboard.js) keeps in window.creditkbDashboard, and redraws
   when it says the controls changed ('creditkb:refresh').
   - To do: commitmentsDue (overdue and breached), repairReminders (not issued yet) and
     objectionsWaiting of the region, on the chosen date.
   - Live feed: the recordChanges subscription over graphql-transport-ws.  The position of
     the last change received is kept for the tab (sessionStorage), so a dropped connection
     (or a reload) resumes after it and misses nothing.
   Its words are the catalogue's, through dashboard.js's t() and Intl dates (state.t,
   state.fmtDate), so they follow the language switch. */
(function () {
  'use strict';
  var state = window.creditkbDashboard;
  var feed = { ws: null, region: null, retry: null };
  var POSITION_ITEM = 'creditkb.feed.position.';

  function $(id) { return document.getElementById(id); }
  function esc(s) { return state.esc(s); }
  function gql(query, variables) { return state.gql(query, variables); }
  function t(id, params) { return state.t(id, params); }
  function day(iso) { return state.fmtDate(iso); }
  var RECORDS = { Penalty: 'dashboard.record.penalty', Evaluation: 'dashboard.record.evaluation',
    ListEntry: 'dashboard.record.list_entry', Commitment: 'dashboard.record.commitment',
    Repair: 'dashboard.record.repair', Accident: 'dashboard.record.accident',
    Inspection: 'dashboard.record.inspection', MonitoringAlarm: 'dashboard.record.monitoring_alarm',
    PortCall: 'dashboard.record.port_call', Complaint: 'dashboard.record.complaint',
    Review: 'dashboard.record.review', PointEntry: 'dashboard.record.point_entry',
    FinePayment: 'dashboard.record.fine_payment', Reminder: 'dashboard.record.reminder',
    CreditReport: 'dashboard.record.credit_report', Objection: 'dashboard.record.objection' };
  function statusWord(status) {
    return window.creditkbObjections ? window.creditkbObjections.statusWord(state, status) : status;
  }

  // -- to do ---------------------------------------------------------------------------------
  var TODO = 'query($region: String, $asOf: Date) {' +
    ' commitmentsDue(region: $region, asOf: $asOf) { overdue { commitmentId subjectId kind dueOn daysOverdue }' +
    '   breached { commitmentId subjectId kind dueOn } }' +
    ' repairReminders(region: $region, asOf: $asOf) { notIssued reminders { decisionNo subjectId minimumEnd issuedOn } }' +
    ' objectionsWaiting(region: $region) { objectionNo record filedOn status agency } }';

  function loadTodo() {
    if (!state.me || state.me.role !== 'regulator') {
      $('todo-note').textContent = t('dashboard.todo.regulators_only');
      return;
    }
    $('todo-note').textContent = t('dashboard.status.loading');
    gql(TODO, { region: state.region, asOf: state.asOf }).then(function (body) {
      var d = body.data || {};
      var errors = (body.errors || []).map(function (e) { return e.message; });
      var c = d.commitmentsDue, r = d.repairReminders, o = d.objectionsWaiting;
      var late = c ? c.overdue.concat(c.breached) : [];
      var due = r ? r.reminders.filter(function (x) { return !x.issuedOn; }) : [];
      $('todo-overdue').textContent = c ? late.length : '?';
      $('todo-reminders').textContent = r ? r.notIssued : '?';
      $('todo-objections').textContent = o ? o.length : '?';
      var items = late.map(function (x) {
        var said = { kind: x.kind || '', subject: x.subjectId, due: day(x.dueOn), days: x.daysOverdue };
        return '<li data-kind="commitment"><span class="tag">' + esc(t('dashboard.todo.tag_commitment')) +
          '</span>' + esc(t(x.daysOverdue ? 'dashboard.todo.commitment_overdue'
                                          : 'dashboard.todo.commitment_breached', said)) + '</li>';
      }).concat(due.map(function (x) {
        return '<li data-kind="reminder"><span class="tag">' + esc(t('dashboard.todo.tag_reminder')) +
          '</span>' + esc(t('dashboard.todo.reminder',
            { decision: x.decisionNo, subject: x.subjectId, end: day(x.minimumEnd) })) + '</li>';
      })).concat((o || []).map(function (x) {
        return '<li data-kind="objection"><span class="tag">' +
          esc(t('dashboard.todo.tag_objection', { status: statusWord(x.status) })) + '</span>' +
          esc(t('dashboard.todo.objection', { number: x.objectionNo, record: x.record, filed: day(x.filedOn) })) +
          '</li>';
      }));
      $('todo-list').innerHTML = items.join('') || '<li>' + esc(t('dashboard.todo.none')) + '</li>';
      $('todo-note').textContent = errors.length ? errors[0] : t('dashboard.status.as_of', { day: day(state.asOf) });
    }).catch(function (err) { $('todo-note').textContent = err.message; });
  }

  // -- live feed -----------------------------------------------------------------------------
  var FEED = 'subscription($region: String, $after: String) {' +
    ' recordChanges(region: $region, after: $after) { position changes { position at change kind' +
    '   subjectId record { __typename ... on Node { id } } subject { name } } } }';

  function positionKey() { return POSITION_ITEM + state.region; }

  function subscribe() {
    if (!('WebSocket' in window) || feed.region === state.region) { return; }
    if (feed.ws) { feed.ws.onclose = null; feed.ws.close(); }
    clearTimeout(feed.retry);
    feed.region = state.region;
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql',
      'graphql-transport-ws');
    feed.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + state.key } }));
    };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') {
        $('feed-live').classList.remove('off');
        ws.send(JSON.stringify({ id: 'f', type: 'subscribe', payload: { query: FEED,
          variables: { region: state.region, after: sessionStorage.getItem(positionKey()) } } }));
      } else if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (msg.type === 'next' && msg.payload.data) {
        var batch = msg.payload.data.recordChanges;
        batch.changes.forEach(shown);
        sessionStorage.setItem(positionKey(), batch.position);
      } else if (msg.type === 'error' || (msg.type === 'next' && msg.payload.errors)) {
        var errors = msg.type === 'error' ? msg.payload : msg.payload.errors;
        if (errors[0].extensions && errors[0].extensions.code === 'FEED_POSITION_EXPIRED') {
          sessionStorage.removeItem(positionKey());  // too far behind: from now on
          feed.region = null;
          subscribe();
        }
      }
    };
    ws.onclose = function () {  // resume after the last position, in a moment
      $('feed-live').classList.add('off');
      feed.region = null;
      feed.retry = setTimeout(subscribe, 2000);
    };
  }

  function shown(c) {
    var id = c.record && c.record.id || '';
    var html = '<li class="fresh' + (c.change === 'REMOVED' ? ' removed' : '') + '" data-position="' +
      esc(c.position) + '" data-kind="' + esc(c.kind) + '"><span class="tag">' +
      esc(RECORDS[c.kind] ? t(RECORDS[c.kind]) : c.kind) + '</span>' +
      esc(t(c.change === 'REMOVED' ? 'dashboard.feed.removed' : 'dashboard.feed.written',
        { id: id.slice(id.indexOf(':') + 1), subject: c.subject ? c.subject.name : c.subjectId,
          time: c.at.slice(11, 19) })) + '</li>';
    var list = $('feed-list');
    list.insertAdjacentHTML('afterbegin', html);
    while (list.children.length > 200) { list.removeChild(list.lastChild); }
    state.feed = (state.feed || 0) + 1;
  }

  document.addEventListener('creditkb:refresh', function () { loadTodo(); subscribe(); });
})();
