/*
 * chatsoar local web chat. Plain browser JavaScript (served as is, CSP script-src 'self').
 * Bot text is only ever set with textContent; Adaptive Cards are rendered by the adaptivecards
 * library (no markdown processor, so their text is set as plain text too).
 */
(function () {
  'use strict';

  var NAME = /^[A-Za-z0-9_.-]{1,64}$/;
  var CARD = 'application/vnd.microsoft.card.adaptive';
  var params = new URLSearchParams(window.location.search);
  var room = NAME.test(params.get('room') || '') ? params.get('room') : 'demo';
  var user = NAME.test(params.get('user') || '') ? params.get('user') : 'you';
  var api = '/webchat/api/rooms/' + encodeURIComponent(room);

  var els = {
    scroller: document.getElementById('scroller'),
    log: document.getElementById('log'),
    empty: document.getElementById('empty'),
    typing: document.getElementById('typing'),
    form: document.getElementById('composer'),
    input: document.getElementById('chat-input'),
    send: document.getElementById('chat-send'),
    error: document.getElementById('error'),
    conn: document.getElementById('conn'),
  };
  document.getElementById('room-name').textContent = room;
  document.getElementById('user-name').textContent = user;
  document.title = 'chatsoar · #' + room;

  /** id → { li, record } */
  var nodes = new Map();
  var revision = 0;
  var pending = 0;
  var history = [];
  var historyPos = -1;

  // ---------------------------------------------------------------- small helpers

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function sleep(ms) {
    return new Promise(function (r) {
      setTimeout(r, ms);
    });
  }

  function showError(message) {
    if (!message) {
      els.error.hidden = true;
      els.error.textContent = '';
      return;
    }
    els.error.textContent = message;
    els.error.hidden = false;
  }

  var connState = '';
  function setConn(state) {
    if (state === connState) return;
    connState = state;
    els.conn.className = 'conn conn-' + state;
    els.conn.textContent = state === 'online' ? 'connected' : state === 'offline' ? 'reconnecting…' : 'connecting…';
  }

  function nearBottom() {
    var s = els.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  function scrollToBottom() {
    els.scroller.scrollTop = els.scroller.scrollHeight;
  }

  function timeOf(iso) {
    var d = new Date(iso);
    if (Number.isNaN(d.getTime())) return null;
    var t = el('time', 'time', d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    t.dateTime = d.toISOString();
    t.title = d.toLocaleString();
    return t;
  }

  function isUser(activity) {
    return !!(activity.from && activity.from.role === 'user');
  }

  function safeUrl(raw) {
    try {
      var u = new URL(String(raw), window.location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- Adaptive Cards

  var hostConfig = null;
  function getHostConfig() {
    if (hostConfig) return hostConfig;
    function colors(main, subtle) {
      return { default: main, subtle: subtle };
    }
    var fg = {
      default: colors('#1d2330', '#566072'),
      dark: colors('#101418', '#3a4250'),
      light: colors('#ffffff', '#e8ebf0'),
      accent: colors('#1f4fd1', '#3d66d8'),
      good: colors('#1a7f37', '#2c8c48'),
      warning: colors('#9a6700', '#a87a1c'),
      attention: colors('#c4262e', '#cc4248'),
    };
    hostConfig = new AdaptiveCards.HostConfig({
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif',
      supportsInteractivity: true,
      spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 28, padding: 14 },
      separator: { lineThickness: 1, lineColor: '#e1e5ec' },
      fontSizes: { small: 12, default: 14, medium: 16, large: 19, extraLarge: 22 },
      fontWeights: { lighter: 300, default: 400, bolder: 650 },
      imageSizes: { small: 40, medium: 80, large: 160 },
      containerStyles: {
        default: { backgroundColor: '#ffffff', foregroundColors: fg },
        emphasis: { backgroundColor: '#f5f7fa', foregroundColors: fg },
        accent: { backgroundColor: '#e8eefc', foregroundColors: fg },
        good: { backgroundColor: '#e9f6ed', foregroundColors: fg },
        attention: { backgroundColor: '#fdecec', foregroundColors: fg },
        warning: { backgroundColor: '#fff6e0', foregroundColors: fg },
      },
      actions: {
        maxActions: 12,
        spacing: 'default',
        buttonSpacing: 8,
        showCard: { actionMode: 'inline', inlineTopMargin: 12 },
        actionsOrientation: 'horizontal',
        actionAlignment: 'left',
      },
      factSet: {
        title: { color: 'default', size: 'default', isSubtle: true, weight: 'bolder', wrap: true, maxWidth: 180 },
        value: { color: 'default', size: 'default', isSubtle: false, weight: 'default', wrap: true },
        spacing: 12,
      },
    });
    return hostConfig;
  }

  function onCardAction(action, li) {
    var type = action.getJsonTypeName();
    var label = action.title || undefined;
    if (type === 'Action.OpenUrl') {
      var url = safeUrl(action.url);
      if (url) window.open(url, '_blank', 'noopener,noreferrer');
      return;
    }
    // A button that runs a command hands the keyboard back to the message box, as Enter does.
    if (type === 'Action.Execute') {
      var data = action.data && typeof action.data === 'object' ? action.data : {};
      post({ invoke: { verb: action.verb || '', data: data }, label: label }, li).then(focusInput);
      return;
    }
    if (type === 'Action.Submit') {
      var value = action.data;
      var sent;
      if (value && typeof value === 'object' && !Array.isArray(value)) sent = post({ value: value, label: label }, li);
      else if (typeof value === 'string' && value.trim()) sent = post({ text: value }, li);
      else sent = post({ value: {}, label: label }, li);
      sent.then(focusInput);
    }
  }

  function focusInput() {
    els.input.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- screen readers

  // What the bot posts or changes is said in one line by a polite live region; the log itself is
  // not live (a card read out whole, table and all, at every progress update is noise).
  var announcer = el('div', 'sr-only');
  announcer.setAttribute('role', 'status');
  announcer.setAttribute('aria-live', 'polite');
  announcer.setAttribute('aria-atomic', 'true');
  announcer.setAttribute('data-testid', 'announcer');
  document.body.appendChild(announcer);
  els.log.setAttribute('aria-live', 'off');
  var announcing = false;

  function announcement(li, record, fresh) {
    var a = record.activity || {};
    if (isUser(a) || a.type !== 'message') return '';
    var heading = li.querySelector('.card .ac-richTextBlock, .card .ac-textBlock');
    var head = heading ? normalize(heading.textContent) : '';
    var first = normalize(String(a.text || '').split('\n')[0]).slice(0, 200);
    var what = head && first && head.indexOf(first) === -1 ? head + '. ' + first : head || first;
    return what ? 'chatsoar ' + (fresh ? 'posted' : 'updated') + ': ' + what : '';
  }

  function announce(lines) {
    if (!announcing || !lines.length) return;
    // Emptied first so that the same words twice are read twice.
    announcer.textContent = '';
    setTimeout(function () {
      announcer.textContent = lines.slice(-3).join(' · ');
    }, 50);
  }

  function renderCard(content, li) {
    if (typeof AdaptiveCards === 'undefined') throw new Error('the Adaptive Cards renderer did not load');
    var card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = getHostConfig();
    card.onExecuteAction = function (action) {
      onCardAction(action, li);
    };
    card.parse(content);
    var rendered = card.render();
    if (!rendered) throw new Error('the card could not be rendered');
    var box = el('div', 'card');
    box.appendChild(rendered);
    return box;
  }

  function normalize(text) {
    return String(text || '')
      .replace(/\s+/g, ' ')
      .trim();
  }

  // ---------------------------------------------------------------- activities

  function renderBody(record, li) {
    var a = record.activity;
    var frag = document.createDocumentFragment();
    var mine = isUser(a) && a.from.id === user;
    var who = (a.from && (a.from.name || a.from.id)) || 'chatsoar';

    var avatar = el('div', 'avatar');
    avatar.setAttribute('aria-hidden', 'true');
    if (isUser(a)) avatar.textContent = who.charAt(0).toUpperCase();
    else {
      var img = el('img');
      img.src = '/webchat/static/icon.svg';
      img.alt = '';
      avatar.appendChild(img);
    }
    frag.appendChild(avatar);

    var body = el('div', 'body');
    var head = el('div', 'head');
    head.appendChild(el('span', 'name', mine && who !== 'you' ? who + ' (you)' : isUser(a) ? who : 'chatsoar'));
    var t = timeOf(a.timestamp);
    if (t) head.appendChild(t);
    if (a.lastUpdated) {
      var edited = el('span', 'edited', 'updated');
      var u = timeOf(a.lastUpdated);
      if (u) edited.title = 'updated ' + u.title;
      head.appendChild(edited);
    }
    if (a.visibleTo) head.appendChild(el('span', 'edited', 'only you can see this'));
    body.appendChild(head);

    var parent = a.replyToId ? nodes.get(a.replyToId) : null;
    if (parent && !isUser(parent.record.activity)) {
      li.classList.add('reply');
      var label = el('div', 'thread-label', threadLabel(parent.record.activity));
      label.setAttribute('data-parent', a.replyToId);
      body.appendChild(label);
    }

    if (a.type === 'invoke' || (a.type === 'message' && !a.text && a.value)) {
      var note = el('div', 'note');
      var action = a.label || (a.value && a.value.action && a.value.action.verb) || 'a card button';
      note.appendChild(document.createTextNode('pressed '));
      note.appendChild(el('strong', null, action));
      body.appendChild(note);
      frag.appendChild(body);
      return frag;
    }

    var cards = [];
    var others = [];
    (Array.isArray(a.attachments) ? a.attachments : []).forEach(function (att) {
      if (att && att.contentType === CARD && att.content) cards.push(att);
      else if (att) others.push(att);
    });

    var attachments = el('div', 'attachments');
    var rendered = 0;
    cards.forEach(function (att) {
      try {
        attachments.appendChild(renderCard(att.content, li));
        rendered += 1;
      } catch (err) {
        attachments.appendChild(el('div', 'card-error', 'This card could not be shown: ' + (err && err.message ? err.message : err)));
      }
    });
    others.forEach(function (att) {
      var url = safeUrl(att.contentUrl);
      var line = el('div', 'file-link');
      if (url) {
        var link = el('a', null, att.name || url);
        link.href = url;
        link.rel = 'noopener noreferrer';
        link.target = '_blank';
        line.appendChild(link);
      } else {
        line.textContent = att.name || att.contentType || 'attachment';
      }
      attachments.appendChild(line);
    });

    // The card says what the text says (both come from one message): the text shows only when
    // there is no card to show, as the plain-text fallback it is.
    var text = typeof a.text === 'string' ? a.text : '';
    if (text.trim() && !rendered) body.appendChild(el('div', 'text', text));
    if (attachments.childNodes.length) body.appendChild(attachments);
    frag.appendChild(body);
    return frag;
  }

  function placeBySeq(li, seq) {
    var children = els.log.children;
    for (var i = children.length - 1; i >= 0; i--) {
      if (Number(children[i].dataset.seq) <= seq) {
        els.log.insertBefore(li, children[i].nextSibling);
        return;
      }
    }
    els.log.insertBefore(li, els.log.firstChild);
  }

  function threadLabel(parent) {
    return '↳ in the thread of ' + (normalize(parent.text).slice(0, 60) || 'a message');
  }

  function upsert(record) {
    var existing = nodes.get(record.id);
    if (existing && existing.record.revision >= record.revision) return;
    var a = record.activity || {};
    var li = existing ? existing.li : el('li');
    var fresh = !existing;
    li.className = 'activity ' + (isUser(a) ? 'from-user' + (a.from.id === user ? ' from-me' : '') : 'from-bot');
    li.setAttribute('data-testid', 'activity');
    // The log (role=log) holds messages, not list items: each one is an article.
    li.setAttribute('role', 'article');
    li.dataset.activityId = record.id;
    li.dataset.revision = String(record.revision);
    li.dataset.seq = String(record.seq);
    li.dataset.type = String(a.type || '');
    nodes.set(record.id, { li: li, record: record });
    // Update in place: the same element gets the new content. Focus inside it (a button the
    // update removed) goes back to the message box rather than to nowhere.
    var hadFocus = !fresh && li.contains(document.activeElement);
    li.replaceChildren(renderBody(record, li));
    if (hadFocus) focusInput();
    // Replies name their parent as it is now, not as it was ("Queued …") when they arrived.
    if (!fresh) {
      Array.prototype.forEach.call(els.log.querySelectorAll('.thread-label[data-parent]'), function (l) {
        if (l.getAttribute('data-parent') === record.id) l.textContent = threadLabel(a);
      });
    }
    if (fresh) placeBySeq(li, record.seq);
    else {
      li.classList.remove('updated');
      void li.offsetWidth;
      li.classList.add('updated');
    }
    els.empty.hidden = els.log.children.length > 0;
    return announcement(li, record, fresh);
  }

  function applyListing(listing) {
    if (listing.reset) {
      nodes.clear();
      els.log.replaceChildren();
    }
    var stick = nearBottom();
    var mineAdded = false;
    var said = [];
    (listing.activities || []).forEach(function (record) {
      if (!nodes.has(record.id) && record.activity && isUser(record.activity) && record.activity.from.id === user) mineAdded = true;
      var line = upsert(record);
      if (line) said.push(line);
    });
    // The history shown on opening the page is not announced; what arrives afterwards is.
    announce(said);
    announcing = true;
    revision = listing.reset ? listing.revision : Math.max(revision, listing.revision);
    if (stick || mineAdded) scrollToBottom();
  }

  // ---------------------------------------------------------------- network

  async function poll() {
    var wait = 0;
    var backoff = 0;
    for (;;) {
      try {
        var res = await fetch(api + '/activities?since=' + revision + '&wait=' + wait + '&user=' + encodeURIComponent(user), {
          cache: 'no-store',
          headers: { Accept: 'application/json' },
        });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        applyListing(await res.json());
        setConn('online');
        wait = 20;
        backoff = 0;
      } catch {
        setConn('offline');
        backoff = Math.min(backoff ? backoff * 2 : 1000, 10000);
        await sleep(backoff);
      }
    }
  }

  function setPending(delta) {
    pending = Math.max(0, pending + delta);
    els.typing.hidden = pending === 0;
  }

  async function post(payload, sourceLi) {
    showError('');
    setPending(1);
    if (sourceLi) sourceLi.classList.add('busy');
    var body = Object.assign({ user: user }, payload);
    try {
      var res = await fetch(api + '/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      var answer = await res.json().catch(function () {
        return {};
      });
      if (!res.ok) {
        showError((answer && answer.error && answer.error.message) || 'The message could not be sent (HTTP ' + res.status + ').');
        return false;
      }
      if (answer.record) applyListing({ revision: 0, activities: [answer.record] });
      scrollToBottom();
      return true;
    } catch {
      showError('The message could not be sent: the server is not reachable.');
      return false;
    } finally {
      setPending(-1);
      if (sourceLi) sourceLi.classList.remove('busy');
    }
  }

  // ---------------------------------------------------------------- composer

  els.form.addEventListener('submit', async function (e) {
    e.preventDefault();
    var text = els.input.value;
    if (!text.trim()) return;
    els.input.value = '';
    if (history[history.length - 1] !== text) history.push(text);
    historyPos = -1;
    var ok = await post({ text: text });
    if (!ok && !els.input.value) els.input.value = text;
    els.input.focus();
  });

  els.input.addEventListener('keydown', function (e) {
    if (!history.length) return;
    if (e.key === 'ArrowUp' && (els.input.value === '' || historyPos !== -1)) {
      e.preventDefault();
      historyPos = historyPos === -1 ? history.length - 1 : Math.max(0, historyPos - 1);
      els.input.value = history[historyPos];
    } else if (e.key === 'ArrowDown' && historyPos !== -1) {
      e.preventDefault();
      historyPos += 1;
      if (historyPos >= history.length) {
        historyPos = -1;
        els.input.value = '';
      } else els.input.value = history[historyPos];
    }
  });

  // A suggested command on the first screen is sent as if typed (the input shows it, ↑ recalls it).
  Array.prototype.forEach.call(document.querySelectorAll('.suggestion'), function (b) {
    b.addEventListener('click', function () {
      els.input.value = b.getAttribute('data-command') || '';
      els.input.focus();
      if (els.input.value.trim()) els.form.requestSubmit();
    });
  });

  els.input.focus();
  poll();
})();
