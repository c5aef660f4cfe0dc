// creditkb regulator dashboard: a region and a day; the grade distribution (ECharts), the
// shared watchlist (live over the GraphQL subscription), and a subject's related entities
// (Cytoscape.js) with the paths of joint discipline highlighted.  Everything it shows comes
// from the GraphQL API with the agency's key, so it shows only what the key may see.
// Its words are the message catalogue's (graph_model/locale/, served at /i18n/<lang>.json):
// Chinese by default, English by the switch (or ?lang=en); the API answers in the same
// language (Accept-Language); dates and numbers are written the language's way (Intl).
(function () {
  'use strict';
  var KEY_ITEM = 'creditkb-key', LANG_ITEM = 'creditkb-lang';
  var state = { key: null, me: null, region: null, asOf: null, scheme: '', after: null,
                chart: null, cy: null, ws: null, subscribed: null, lang: 'zh-CN', words: {},
                subject: null };
  window.creditkbDashboard = state;  // for people poking around, and for the browser test

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function status(text) { $('status').textContent = text || ''; }
  state.esc = esc;  // for the panels of todo.js

  // -- words: the catalogue's messages in the chosen language -------------------------------
  function t(id, params) {
    var text = state.words[id];
    if (text == null) { console.error('no message ' + id); return id; }
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return params && params[name] != null ? params[name] : all;
    });
  }
  function fmtDate(iso) {  // 2026-06-01 → 2026年6月1日 / June 1, 2026
    if (!iso) { return ''; }
    var d = new Date(String(iso).slice(0, 10) + 'T00:00:00Z');
    return isNaN(d) ? String(iso) : new Intl.DateTimeFormat(state.lang,
      { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(d);
  }
  function fmtNum(n) { return n == null ? '' : new Intl.NumberFormat(state.lang).format(n); }
  function loadWords(lang) {
    return fetch('/i18n/' + lang + '.json').then(function (r) { return r.json(); }).then(function (words) {
      state.lang = lang;
      state.words = words;
      document.documentElement.lang = lang;
      document.title = 'creditkb · ' + t('dashboard.title');
      $('lang').value = lang;
      Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
        el.textContent = t(el.getAttribute('data-i18n'));
      });
      Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-placeholder]'), function (el) {
        el.placeholder = t(el.getAttribute('data-i18n-placeholder'));
      });
      Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-title]'), function (el) {
        el.title = t(el.getAttribute('data-i18n-title'));
      });
    });
  }
  function switchLanguage() {
    var lang = $('lang').value;
    localStorage.setItem(LANG_ITEM, lang);
    loadWords(lang).then(function () {
      if (!state.me) { return; }
      showWho();
      refresh();
      if (state.subject) { showSubject(state.subject); }
    });
  }
  var ROLES = { regulator: 'dashboard.role.regulator', investigator: 'dashboard.role.investigator',
                viewer: 'dashboard.role.viewer' };
  function showWho() {
    var me = state.me;
    $('who').textContent = me.agency + ' · ' + (me.regionName || me.region) + ' · ' +
      (ROLES[me.role] ? t(ROLES[me.role]) : me.role);
  }

  function gql(query, variables) {
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'application/graphql-response+json',
                 'accept-language': state.lang, 'authorization': 'Bearer ' + state.key },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 401) { throw Object.assign(new Error(t('dashboard.login.refused')), { auth: true }); }
        if (body.errors && body.errors.length && !body.data) { throw new Error(body.errors[0].message); }
        return body;
      });
    });
  }

  state.gql = gql;  // for the panels of todo.js
  state.t = t;  // the words and the Intl dates of todo.js and objections.js
  state.fmtDate = fmtDate;
  state.fmtNum = fmtNum;

  // -- start: the key ------------------------------------------------------------------------
  function start() {
    var asked = new URLSearchParams(location.search).get('lang');
    $('lang').onchange = switchLanguage;
    loadWords(asked === 'en' || asked === 'zh-CN' ? asked : (localStorage.getItem(LANG_ITEM) || 'zh-CN'))
      .then(open);
  }

  function open() {
    var fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
    if (fromHash) {
      sessionStorage.setItem(KEY_ITEM, fromHash);
      history.replaceState(null, '', location.pathname + location.search);
    }
    state.key = sessionStorage.getItem(KEY_ITEM);
    $('login-form').onsubmit = function (e) {
      e.preventDefault();
      sessionStorage.setItem(KEY_ITEM, $('key-input').value.trim());
      location.reload();
    };
    if (!state.key) { $('login').hidden = false; return; }
    gql('{ me { agency region regionName role keyId } regions { code name level }' +
      ' schemes { name scoring { code title subjects effectiveFrom } } }')
      .then(function (body) {
        var d = body.data;
        state.me = d.me;
        showWho();
        $('region').innerHTML = d.regions.map(function (r) {
          return '<option value="' + esc(r.code) + '"' + (r.code === d.me.region ? ' selected' : '') +
            '>' + esc(r.name) + ' ' + esc(r.code) + '</option>';
        }).join('');
        $('scheme').innerHTML += d.schemes.map(function (s) {
          return '<option>' + esc(s.name) + '</option>';
        }).join('');
        state.scoring = [].concat.apply([], d.schemes.map(function (s) { return s.scoring || []; }));
        var day = new URLSearchParams(location.search).get('asOf');
        $('as-of').value = day || new Date().toISOString().slice(0, 10);
        $('app').hidden = false;
        state.chart = echarts.init($('grade-chart'));
        state.scoreChart = echarts.init($('score-chart'));
        state.timelineChart = echarts.init($('timeline-chart'));
        window.addEventListener('resize', function () {
          state.chart.resize(); state.scoreChart.resize(); state.timelineChart.resize();
          if (state.cy) { state.cy.resize(); }
        });
        wire();
        refresh();
      })
      .catch(function (err) {
        $('login').hidden = false;
        $('login-error').textContent = err.message;
        if (err.auth) { sessionStorage.removeItem(KEY_ITEM); }
      });
  }

  function wire() {
    $('controls').onsubmit = function (e) { e.preventDefault(); refresh(); };
    $('region').onchange = refresh;
    $('as-of').onchange = refresh;
    $('scheme').onchange = refresh;
    $('jurisdiction-only').onchange = function () { loadWatchlist(true); };
    $('watchlist-more').onclick = function () { loadWatchlist(false); };
    $('search-form').onsubmit = function (e) { e.preventDefault(); search(); };
  }

  function refresh() {
    state.region = $('region').value;
    state.asOf = $('as-of').value;
    state.scheme = $('scheme').value;
    status(t('dashboard.status.loading'));
    if (window.creditkbObjections) { window.creditkbObjections.load(state); }  // objections.js
    Promise.all([loadDistribution(), loadWatchlist(true)])
      .then(function () { status(t('dashboard.status.as_of', { day: fmtDate(state.asOf) })); })
      .catch(function (err) { status(err.message); });
    subscribe();
    document.dispatchEvent(new CustomEvent('creditkb:refresh'));  // the panels of todo.js
  }

  // -- grade distribution (ECharts) ------------------------------------------------------------
  var LEVEL_COLORS = ['#2e7d32', '#66bb6a', '#fbc02d', '#fb8c00', '#e53935', '#6a1b9a'];

  function loadDistribution() {
    return gql('query($region: String!, $asOf: Date!, $scheme: String) {' +
      ' gradeDistribution(region: $region, asOf: $asOf, scheme: $scheme) {' +
      '  regionName population graded ungraded levels { letter name count share } } }',
      { region: state.region, asOf: state.asOf, scheme: state.scheme || null })
      .then(function (body) {
        var d = body.data.gradeDistribution;
        $('dist-note').textContent = t('dashboard.distribution.note', { region: d.regionName || state.region,
          population: fmtNum(d.population), graded: fmtNum(d.graded) });
        var names = d.levels.map(function (l) { return l.name + ' (' + l.letter + ')'; })
          .concat([t('dashboard.distribution.ungraded')]);
        var counts = d.levels.map(function (l, i) {
          return { value: l.count, itemStyle: { color: LEVEL_COLORS[i % LEVEL_COLORS.length] } };
        }).concat([{ value: d.ungraded, itemStyle: { color: '#9aa5b1' } }]);
        state.chart.setOption({
          animation: false,
          grid: { left: 50, right: 20, top: 20, bottom: 40 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: names, axisLabel: { interval: 0 } },
          yAxis: { type: 'value', name: t('dashboard.distribution.axis'), minInterval: 1 },
          series: [{ type: 'bar', name: t('dashboard.distribution.axis'), data: counts,
                     label: { show: true, position: 'top' } }]
        }, true);
      });
  }

  // -- shared watchlist ----------------------------------------------------------------------
  function row(e, extra) {
    var s = e.subject;
    return '<tr data-id="' + esc(e.id) + '"' + (extra ? ' class="' + extra + '"' : '') + '>' +
      '<td>' + esc(e.listKind) + '</td>' +
      '<td>' + (s ? '<a href="#" data-subject="' + esc(s.id) + '">' + esc(s.name || s.id) + '</a>' + reportLink(s.id) : esc(e.subjectId)) + '</td>' +
      '<td>' + esc(e.subjectRegion || (s && s.regionCode) || '') + '</td>' +
      '<td>' + esc(fmtDate(e.listedOn)) + (e.removedOn ? ' – ' + esc(fmtDate(e.removedOn)) : '') + '</td>' +
      '<td>' + esc(e.agency) + '</td>' +
      '<td>' + esc(e.basis === 'OWN' ? t('dashboard.watchlist.own')
        : e.basis === 'NATIONWIDE' ? t('common.nationwide') : e.countedBy) + '</td></tr>';
  }

  function loadWatchlist(reset) {
    if (reset) { state.after = null; $('watchlist-table').tBodies[0].innerHTML = ''; }
    return gql('query($region: String!, $asOf: Date!, $only: Boolean!, $after: String) {' +
      ' sharedWatchlist(region: $region, asOf: $asOf, jurisdictionOnly: $only, first: 50, after: $after) {' +
      '  edges { node { id listKind subjectId subjectRegion listedOn removedOn agency basis countedBy' +
      '   subject { id name regionCode } } } pageInfo { hasNextPage endCursor } } }',
      { region: state.region, asOf: state.asOf, only: $('jurisdiction-only').checked, after: state.after })
      .then(function (body) {
        var w = body.data.sharedWatchlist;
        $('watchlist-table').tBodies[0].insertAdjacentHTML('beforeend',
          w.edges.map(function (x) { return row(x.node); }).join(''));
        state.after = w.pageInfo.endCursor;
        $('watchlist-more').hidden = !w.pageInfo.hasNextPage;
        linkSubjects($('watchlist-table'));
      });
  }

  function linkSubjects(el) {
    Array.prototype.forEach.call(el.querySelectorAll('a[data-subject]'), function (a) {
      a.onclick = function (e) { e.preventDefault(); showSubject(a.getAttribute('data-subject')); };
    });
  }

  // live: the watchlistChanges subscription over graphql-transport-ws
  function subscribe() {
    if (!('WebSocket' in window)) { return; }
    if (state.ws && state.ws.readyState === 1) { send(); return; }
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql',
      'graphql-transport-ws');
    state.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + state.key } }));
    };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') { $('live').classList.remove('off'); send(); }
      else if (msg.type === 'ping') { ws.send(JSON.stringify({ type: 'pong' })); }
      else if (msg.type === 'next' && msg.payload.data) { change(msg.payload.data.watchlistChanges); }
    };
    ws.onclose = function () { $('live').classList.add('off'); state.subscribed = null; };
    function send() {
      if (state.subscribed === state.region) { return; }
      if (state.subscribed) { ws.send(JSON.stringify({ id: 'w', type: 'complete' })); }
      state.subscribed = state.region;
      ws.send(JSON.stringify({ id: 'w', type: 'subscribe', payload: {
        query: 'subscription($region: String) { watchlistChanges(region: $region) { change basis countedBy' +
          ' entry { id listKind subjectId listedOn removedOn agency } subject { id name regionCode } } }',
        variables: { region: state.region } } }));
    }
  }

  function change(c) {
    var body = $('watchlist-table').tBodies[0];
    var e = c.entry;
    var old = body.querySelector('tr[data-id="' + CSS.escape(e.id) + '"]');
    var html = row({ id: e.id, listKind: e.listKind, subjectId: e.subjectId, listedOn: e.listedOn,
      removedOn: e.removedOn, agency: e.agency, basis: c.basis, countedBy: c.countedBy,
      subject: c.subject, subjectRegion: c.subject && c.subject.regionCode },
      c.change === 'REMOVED' ? 'removed fresh' : 'fresh');
    if (old) { old.outerHTML = html; } else { body.insertAdjacentHTML('afterbegin', html); }
    linkSubjects(body);
    status(t(c.change === 'ADDED' ? 'dashboard.watchlist.added' : 'dashboard.watchlist.removed', { id: e.id }));
  }

  // -- a subject's credit report (issue 18): the report of the region and day shown, as one
  //    HTML page in a new tab (opened at the click, filled when the answer comes) -----------
  function reportLink(id) {
    return ' <a href="#" class="report-link" data-report="' + esc(id) + '" title="' +
      esc(t('dashboard.report.link_title')) + '">' + esc(t('dashboard.report.link')) + '</a>';
  }

  function openReport(id) {
    var tab = window.open('', '_blank');
    status(t('dashboard.report.opening', { id: id }));
    gql('query($id: ID!, $region: String!, $asOf: Date!) {' +
      ' creditReport(subjectId: $id, region: $region, asOf: $asOf) { number html } }',
      { id: id, region: state.region, asOf: state.asOf })
      .then(function (body) {
        if (!body.data || !body.data.creditReport) { throw new Error((body.errors || [{}])[0].message || t('dashboard.report.none')); }
        if (tab) { tab.document.open(); tab.document.write(body.data.creditReport.html); tab.document.close(); }
        status(t('dashboard.report.ready', { number: body.data.creditReport.number }));
      })
      .catch(function (err) { if (tab) { tab.close(); } status(err.message); });
  }

  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-report]');
    if (a) { e.preventDefault(); openReport(a.getAttribute('data-report')); }
  });

  // -- search and the related-entities graph (Cytoscape.js) --------------------------------
  function search() {
    var text = $('search-text').value.trim();
    if (!text) { return; }
    gql('query($t: String!) { search(text: $t, first: 12) { edges { node { __typename id name regionCode } } } }', { t: text })
      .then(function (body) {
        var hits = body.data.search.edges;
        $('search-results').innerHTML = hits.length ? hits.map(function (h) {
          return '<li><button data-subject="' + esc(h.node.id) + '">' + esc(h.node.name || h.node.id) +
            ' <small>' + esc(KINDS[h.node.__typename] ? t(KINDS[h.node.__typename]) : h.node.__typename) + ' ' +
            esc(h.node.regionCode || '') + '</small></button>' +
            reportLink(h.node.id) + '</li>';
        }).join('') : '<li>' + esc(t('dashboard.search.none')) + '</li>';
        Array.prototype.forEach.call($('search-results').querySelectorAll('button'), function (b) {
          b.onclick = function () { showSubject(b.getAttribute('data-subject')); };
        });
        if (hits.length === 1) { showSubject(hits[0].node.id); }
      })
      .catch(function (err) { $('search-results').innerHTML = '<li class="error">' + esc(err.message) + '</li>'; });
  }

  var CLASS = { Enterprise: 'ent', Person: 'per', Vehicle: 'veh', Vessel: 'ves' };
  var KINDS = { Enterprise: 'dashboard.legend.enterprise', Person: 'dashboard.legend.person',
                Vehicle: 'dashboard.legend.vehicle', Vessel: 'dashboard.legend.vessel' };
  var STRENGTHS = { RESTRICT: 'dashboard.strength.restrict', SUPERVISE: 'dashboard.strength.supervise',
                    INCENTIVE_LOSS: 'dashboard.strength.incentive_loss', LEAD: 'dashboard.strength.lead' };

  function showSubject(id) {
    state.subject = id;
    Array.prototype.forEach.call($('search-results').querySelectorAll('button'), function (b) {
      b.classList.toggle('active', b.getAttribute('data-subject') === id);
    });
    status(t('dashboard.status.tracing', { id: id }));
    gql('query($id: ID!, $asOf: Date!, $region: String!) {' +
      ' subject(id: $id) { __typename id name regionCode }' +
      ' related(subjectId: $id, depth: 2, asOf: $asOf, first: 100) { totalCount hiddenCount' +
      '  edges { node { distance subject { __typename id name } status { lists grade }' +
      '   path { fromId toId relType direction } } } }' +
      ' discipline(subjectId: $id, asOf: $asOf, region: $region) { measures { measure { code name } strength' +
      '  trigger { name recordId recordLabel subjectId listKind decisionNo grade } ruleName path { src type dst } explanation }' +
      '  leads { trigger { name recordId recordLabel subjectId listKind decisionNo grade } ruleName path { src type dst } explanation } } }',
      { id: id, asOf: state.asOf, region: state.region })
      .then(function (body) {
        draw(body.data, body.errors);
        if (body.data.subject) { showScores(body.data.subject); showTimeline(body.data.subject); }
        status(t('dashboard.status.as_of', { day: fmtDate(state.asOf) }));
      })
      .catch(function (err) { status(err.message); });
  }

  // -- a subject's events on a timeline (issue 14): penalties, accidents, inspections, alarms,
  //    port calls and complaints up to the day asked, the newest 100 of each kind -----------
  var EVENT_KINDS = [
    { field: 'penalties', msg: 'dashboard.event.penalties', day: 'decisionDate', text: ['decisionNo', 'violation'] },
    { field: 'accidents', msg: 'dashboard.event.accidents', day: 'occurredOn', text: ['accidentNo', 'level', 'liability'] },
    { field: 'inspections', msg: 'dashboard.event.inspections', day: 'inspectedOn', text: ['inspectionNo', 'kind', 'result'] },
    { field: 'alarms', msg: 'dashboard.event.alarms', day: 'occurredAt', text: ['alarmNo', 'kind', 'outcome'] },
    { field: 'portCalls', msg: 'dashboard.event.port_calls', day: 'arrivedOn', text: ['port'] },
    { field: 'complaints', msg: 'dashboard.event.complaints', day: 'receivedOn', text: ['complaintNo', 'category', 'finding'] }
  ];

  function showTimeline(s) {
    $('timeline-subject').textContent = s.name || s.id;
    $('timeline-note').textContent = t('dashboard.status.loading');
    gql('query($id: ID!) { subject(id: $id) {' + EVENT_KINDS.map(function (k) {
      return ' ' + k.field + '(first: 100) { totalCount edges { node { id ' + k.day + ' ' +
        k.text.join(' ') + ' } } }';
    }).join('') + ' } }', { id: s.id })
      .then(function (body) {
        var subject = (body.data && body.data.subject) || {};
        var counts = [];
        var series = EVENT_KINDS.map(function (k) {
          var name = t(k.msg);
          var conn = subject[k.field] || { edges: [], totalCount: 0 };
          var points = conn.edges.map(function (e) { return e.node; }).filter(function (n) {
            return String(n[k.day]).slice(0, 10) <= state.asOf;
          }).map(function (n) {
            return { value: [String(n[k.day]).slice(0, 10), name], id: n.id,
              text: k.text.map(function (f) { return n[f]; }).filter(function (v) { return v != null; }).join(' · ') };
          });
          if (points.length) { counts.push(name + ' ' + fmtNum(points.length)); }
          return { name: name, type: 'scatter', symbolSize: 10, data: points };
        });
        state.timelineChart.setOption({
          tooltip: { formatter: function (p) { return esc(p.value[0]) + '<br>' + esc(p.data.text); } },
          grid: { left: 70, right: 20, top: 20, bottom: 30 },
          xAxis: { type: 'time', max: state.asOf },
          yAxis: { type: 'category', data: EVENT_KINDS.map(function (k) { return t(k.msg); }) },
          series: series
        }, true);
        var day = fmtDate(state.asOf);
        $('timeline-note').textContent = counts.length
          ? t('dashboard.timeline.counts', { counts: counts.join(t('common.enumeration')), day: day })
          : ((body.errors && body.errors[0].message) || t('dashboard.timeline.none', { day: day }));
      })
      .catch(function (err) { $('timeline-note').textContent = err.message; });
  }

  // -- a subject's score over time under the scoring schemes that score its kind ------------
  function showScores(s) {
    var options = (state.scoring || []).filter(function (x) { return x.subjects.indexOf(s.__typename) >= 0; });
    var sel = $('score-scheme');
    sel.innerHTML = options.map(function (x) {
      return '<option value="' + esc(x.code) + '">' + esc(x.title) + '</option>';
    }).join('');
    $('score-subject').textContent = s.name || s.id;
    sel.onchange = function () { loadScores(s.id, sel.value); };
    if (!options.length) {
      state.scoreChart.clear();
      $('score-note').textContent = t('dashboard.scores.none');
      $('score-entries').innerHTML = '';
      return;
    }
    loadScores(s.id, options[0].code);
  }

  function monthsBefore(day, n) {
    var d = new Date(day + 'T00:00:00Z');
    d.setUTCMonth(d.getUTCMonth() - n);
    return d.toISOString().slice(0, 10);
  }

  function loadScores(id, code) {
    var end = state.asOf, start = monthsBefore(end, 24);
    $('score-note').textContent = t('dashboard.status.loading');
    gql('query($id: ID!, $scheme: String!, $start: Date!, $end: Date!) {' +
      ' scoreHistory(subjectId: $id, scheme: $scheme, start: $start, end: $end) { asOf score grade version }' +
      ' score(subjectId: $id, scheme: $scheme, asOf: $end) { score grade version' +
      '  entries { name points since reason record } } }',
      { id: id, scheme: code, start: start, end: end })
      .then(function (body) {
        var h = (body.data && body.data.scoreHistory) || [];
        var now = body.data && body.data.score;
        state.scoreChart.setOption({
          tooltip: { trigger: 'axis', formatter: function (p) {
            return p.map(function (x) { return x.axisValue + '<br>' + x.value + ' · ' + h[x.dataIndex].grade; }).join('');
          } },
          grid: { left: 50, right: 20, top: 20, bottom: 30 },
          xAxis: { type: 'category', data: h.map(function (p) { return p.asOf; }) },
          yAxis: { type: 'value', scale: true },
          series: [{ type: 'line', step: 'end', data: h.map(function (p) { return p.score; }),
            label: { show: true, formatter: function (x) { return h[x.dataIndex].grade || ''; }, fontSize: 9 } }]
        }, true);
        $('score-note').textContent = now ? t('dashboard.scores.now', { grade: now.grade || '—',
          score: now.score == null ? '—' : fmtNum(now.score),
          day: fmtDate(end), version: now.version })
          : ((body.errors && body.errors[0].message) || '');
        $('score-entries').innerHTML = now ? now.entries.map(function (e) {
          return '<li>' + (e.points > 0 ? '+' : '') + esc(fmtNum(e.points)) + ' ' + esc(e.name) + ' <small>' +
            esc(fmtDate(e.since)) + ' · ' + esc(e.reason) + '</small></li>';
        }).join('') : '';
      })
      .catch(function (err) { $('score-note').textContent = err.message; });
  }

  function shortLabel(id) {
    var label = id.split(':')[0], key = id.slice(label.length + 1);
    if (label === 'Person') { return t('dashboard.legend.person'); }
    if (label === 'ListEntry') { return key.split('|')[0]; }
    return key.length > 18 ? key.slice(0, 16) + '…' : key;
  }

  function draw(d, errors) {
    var nodes = {}, edges = {};
    function node(id, name, type, extra) {
      if (!nodes[id]) {
        nodes[id] = { data: { id: id, label: name || shortLabel(id) }, classes: CLASS[type] || 'rec' };
      }
      if (extra) { nodes[id].classes += ' ' + extra; }
    }
    function edge(src, type, dst, extra) {
      var id = src + '|' + type + '|' + dst;
      if (!edges[id]) { edges[id] = { data: { id: id, source: src, target: dst, label: type }, classes: '' }; }
      if (extra) { edges[id].classes += ' ' + extra; }
    }
    var s = d.subject;
    if (!s) { status((errors && errors[0] && errors[0].message) || t('dashboard.search.none')); return; }
    node(s.id, s.name, s.__typename, 'root');
    var rel = d.related;
    (rel ? rel.edges : []).forEach(function (x) {
      var n = x.node;
      node(n.subject.id, n.subject.name, n.subject.__typename,
        n.status && n.status.lists.indexOf('严重失信') >= 0 ? 'dishonest' : '');
    });
    (rel ? rel.edges : []).forEach(function (x) {
      x.node.path.forEach(function (st) {
        if (!nodes[st.fromId] || !nodes[st.toId]) { return; }
        var src = st.direction === 'out' ? st.fromId : st.toId;
        var dst = st.direction === 'out' ? st.toId : st.fromId;
        edge(src, st.relType, dst);
      });
    });
    var items = [];
    var found = ((d.discipline && d.discipline.measures) || []).concat(
      ((d.discipline && d.discipline.leads) || []).map(function (x) {
        return { measure: { name: t('dashboard.discipline.lead') }, strength: 'LEAD',
                 trigger: x.trigger, ruleName: x.ruleName, path: x.path, explanation: x.explanation };
      }));
    found.forEach(function (m) {
      var tr = m.trigger;
      items.push('<li title="' + esc(m.explanation) + '"><b>' + esc(m.measure.name) + '</b> <small>' +
        esc(STRENGTHS[m.strength] ? t(STRENGTHS[m.strength]) : m.strength) + '</small><br><small>' +
        esc(tr.name) + ' · ' + esc(tr.listKind || tr.decisionNo || tr.grade || tr.recordLabel) + ' · ' +
        esc(m.ruleName) + '</small></li>');
      m.path.forEach(function (h) {
        [h.src, h.dst].forEach(function (id) {
          var label = id.split(':')[0];
          node(id, id === tr.recordId ? (tr.listKind || tr.decisionNo || tr.grade || label) : null,
            label, 'discipline');
        });
        edge(h.src, h.type, h.dst, 'discipline');
      });
    });
    $('measure-list').innerHTML = items.length ? items.join('') : '<li>' + esc(t('dashboard.discipline.none')) + '</li>';
    if (!rel && errors && errors.length) {
      $('measure-list').insertAdjacentHTML('beforeend', '<li class="error">' + esc(errors[0].message) + '</li>');
    }
    var elements = Object.keys(nodes).map(function (k) { return nodes[k]; })
      .concat(Object.keys(edges).map(function (k) { return edges[k]; }));
    if (state.cy) { state.cy.destroy(); }
    state.cy = cytoscape({
      container: $('graph'),
      elements: elements,
      style: [
        { selector: 'node', style: { 'label': 'data(label)', 'font-size': 10, 'text-valign': 'bottom',
          'text-margin-y': 3, 'width': 22, 'height': 22, 'background-color': '#8c564b', 'color': '#1d2733' } },
        { selector: 'node.ent', style: { 'background-color': '#1f77b4' } },
        { selector: 'node.per', style: { 'background-color': '#9467bd' } },
        { selector: 'node.veh', style: { 'background-color': '#2ca02c' } },
        { selector: 'node.ves', style: { 'background-color': '#17becf' } },
        { selector: 'node.rec', style: { 'shape': 'round-rectangle', 'width': 18, 'height': 14 } },
        { selector: 'node.root', style: { 'width': 34, 'height': 34, 'border-width': 3, 'border-color': '#1d2733', 'font-weight': 'bold' } },
        { selector: 'node.dishonest', style: { 'border-width': 3, 'border-color': '#d62728' } },
        { selector: 'node.discipline', style: { 'border-width': 3, 'border-color': '#d62728' } },
        { selector: 'edge', style: { 'width': 1.5, 'line-color': '#9aa5b1', 'target-arrow-color': '#9aa5b1',
          'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'label': 'data(label)', 'font-size': 7,
          'text-rotation': 'autorotate', 'color': '#5a6b7d' } },
        { selector: 'edge.discipline', style: { 'width': 4, 'line-color': '#d62728', 'target-arrow-color': '#d62728', 'z-index': 9 } }
      ],
      layout: { name: 'breadthfirst', roots: [s.id], directed: false, spacingFactor: 1.1, animate: false }
    });
    state.cy.on('tap', 'node', function (e) {
      var id = e.target.id();
      if (CLASS[id.split(':')[0]] && id !== s.id) { showSubject(id); }
    });
  }

  document.addEventListener('DOMContentLoaded', start);
})();
