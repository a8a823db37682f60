/*
 * The bank assistant's web chat widget: a conversation with the Rasa server over its socket.io
 * channel (bot/channels/webchat.py), driven by the assistant's custom payloads:
 *   {"menu": ..., "lang": ...}          the menu's buttons come with the message; `lang` is the
 *                                       conversation's language (the widget follows it)
 *   {"collect": {"secret": true, ...}}  the next answer is a PIN or card number: the input becomes
 *                                       a password field and the user's bubble shows dots only
 *   {"handoff": {"queue": ...}}         a notice that a person takes over
 *   {"agent": NAME} / {"desk": "joined" | "left"}   an agent's message / an agent joined or left
 * Custom payloads are never shown as text. The session id and the secret that binds this tab to
 * it (bot/channels/web_sessions.py) live in sessionStorage, with the visible transcript (digits
 * already masked): a reload continues the conversation, another tab or a closed browser does not.
 * The chosen language is kept in localStorage.
 */
(function () {
  "use strict";

  var TEXTS = {
    sq: {
      title: "Asistenti i BKT",
      connecting: "Po lidhet…",
      online: "Në linjë",
      offline: "Pa lidhje",
      language: "Gjuha",
      inputLabel: "Mesazhi juaj",
      placeholder: "Shkruani mesazhin…",
      send: "Dërgo",
      secretLabel: "Shifrat (të fshehura në ekran)",
      secretPlaceholder: "Shifrat fshihen ndërsa shkruani",
      secretHint: "Ajo që shkruani nuk shfaqet në ekran.",
      digitsPlaceholder: "Shkruani shifrat",
      maskedLabel: "shifra të fshehura",
      unreachable: "Asistenti nuk mund të arrihet — po rilidhemi…",
      noClient: "Faqja nuk u ngarkua plotësisht. Ju lutem rifreskoni faqen.",
      handoffAgent: "Po ju lidhim me një agjent…",
      handoffPos: "Po ju lidhim me suportin teknik të POS…",
      typing: "Asistenti po shkruan…",
      endChat: "Mbyll bisedën",
      ended: "Biseda u mbyll. Të dhënat e verifikimit u fshinë.",
      expired: "Për sigurinë tuaj, biseda filloi nga e para pas disa minutash pa aktivitet. " +
        "Nëse duhet, verifikohuni përsëri.",
      tooLong: "Mesazhi është shumë i gjatë.",
      you: "Ju",
      assistant: "Asistenti",
      agent: "Agjenti",
      agentJoined: "Agjenti {name} iu bashkua bisedës.",
      agentLeft: "Agjenti doli nga biseda. Jeni përsëri me asistentin.",
      languageNames: { sq: "Shqip", en: "English" }
    },
    en: {
      title: "BKT assistant",
      connecting: "Connecting…",
      online: "Online",
      offline: "Offline",
      language: "Language",
      inputLabel: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      secretLabel: "Digits (hidden on screen)",
      secretPlaceholder: "Digits are hidden as you type",
      secretHint: "What you type is not shown on screen.",
      digitsPlaceholder: "Type the digits",
      maskedLabel: "hidden digits",
      unreachable: "The assistant is unreachable — reconnecting…",
      noClient: "The page did not load completely. Please reload it.",
      handoffAgent: "Connecting you to an agent…",
      handoffPos: "Connecting you to POS technical support…",
      typing: "The assistant is typing…",
      endChat: "End chat",
      ended: "The chat has ended. Your verification was cleared.",
      expired: "For your security the chat started again after a few minutes without activity. " +
        "Please verify again if needed.",
      tooLong: "The message is too long.",
      you: "You",
      assistant: "Assistant",
      agent: "Agent",
      agentJoined: "Agent {name} joined the chat.",
      agentLeft: "The agent has left the chat. You are back with the assistant.",
      languageNames: { sq: "Shqip", en: "English" }
    }
  };
  var LANGUAGES = ["sq", "en"];
  var MASK = "••••";
  // Digits that could be a PIN or card number are masked wherever they are typed, as the server's
  // tracker store does (bot/security/redaction.py: runs of 4 or more, with spaces, dots, dashes);
  // at a PIN or card question every digit is. Words stay readable.
  var DIGIT_RUN = /\d(?:[\s.\-]*\d){3,}/g;
  var ANY_DIGITS = /\d(?:[\s.\-]*\d)*/g;
  var STORE = {
    session: "bank-webchat.session",
    language: "bank-webchat.language",
    transcript: "bank-webchat.transcript",
    collect: "bank-webchat.collect",
    agent: "bank-webchat.agent"
  };
  var MAX_ENTRIES = 300;
  var TYPING_TIMEOUT_MS = 20000;

  var root = document.getElementById("chat");
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var inputLabel = document.getElementById("chat-input-label");
  var hint = document.getElementById("chat-hint");
  var banner = document.getElementById("chat-banner");
  var statusBox = document.getElementById("chat-status");
  var statusText = document.getElementById("chat-status-text");
  var endButton = document.getElementById("chat-end");
  var IDLE_MS = (parseInt(root.getAttribute("data-idle-seconds"), 10) || 300) * 1000;
  var MAX_CHARS = parseInt(root.getAttribute("data-max-chars"), 10) || 1000;
  var languageButtons = Array.prototype.slice.call(document.querySelectorAll(".chat-language"));

  function load(storage, key, fallback) {
    try {
      var raw = storage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function save(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode or full storage: the conversation still works, it just is not kept */
    }
  }

  var stored = load(sessionStorage, STORE.session, null) || {};
  var state = {
    sessionId: typeof stored.id === "string" ? stored.id : null,
    secret: typeof stored.secret === "string" ? stored.secret : null,
    idleTimer: null,
    lang: load(localStorage, STORE.language, "sq"),
    entries: load(sessionStorage, STORE.transcript, []),
    collect: load(sessionStorage, STORE.collect, null),
    connection: "connecting",
    confirmed: false,
    pending: [],
    typingTimer: null,
    withAgent: load(sessionStorage, STORE.agent, false) === true
  };
  if (LANGUAGES.indexOf(state.lang) < 0) state.lang = "sq";
  if (!Array.isArray(state.entries)) state.entries = [];

  function t(key) {
    return TEXTS[state.lang][key];
  }

  /* ---- rendering -------------------------------------------------------------------------- */

  // A hand-off, or an agent joining or leaving, ends the menu that was shown before it.
  var ENDS_MENU = { handoffAgent: true, handoffPos: true, agentJoined: true, agentLeft: true };

  function lastButtonsIndex() {
    for (var i = state.entries.length - 1; i >= 0; i--) {
      var entry = state.entries[i];
      if (entry.who === "notice" && ENDS_MENU[entry.key]) return -1;
      if (entry.who === "bot" && entry.buttons && entry.buttons.length) return i;
    }
    return -1;
  }

  function maskDigits(text, everyDigit) {
    return text.replace(everyDigit ? ANY_DIGITS : DIGIT_RUN, MASK);
  }

  // Masked runs: dots on screen, words for a screen reader; the digits themselves were never kept.
  function appendMasked(bubble, text, lang) {
    text.split(MASK).forEach(function (part, index) {
      if (index > 0) {
        var dots = document.createElement("span");
        dots.setAttribute("aria-hidden", "true");
        dots.textContent = MASK;
        var words = document.createElement("span");
        words.className = "visually-hidden";
        words.textContent = TEXTS[lang].maskedLabel;
        bubble.append(dots, words);
      }
      if (part) bubble.append(document.createTextNode(part));
    });
  }

  function speaker(entry) {
    var texts = TEXTS[entry.lang || state.lang];
    if (entry.who === "user") return texts.you;
    if (entry.who === "agent") return texts.agent + " " + entry.agent;
    return texts.assistant;
  }

  function stamp(at, lang) {
    var element = document.createElement("time");
    var date = new Date(at || Date.now());
    element.className = "chat-time";
    element.dateTime = date.toISOString();
    element.textContent = date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    return element;
  }

  function renderEntry(entry, index, activeButtons) {
    var item = document.createElement("li");
    item.className = "chat-entry chat-entry-" + entry.who;
    if (entry.who === "notice") {
      var texts = TEXTS[entry.lang || state.lang];
      item.textContent = (texts[entry.key] || "").replace("{name}", entry.agent || "");
      return item;
    }
    var label = document.createElement("span");
    label.className = entry.who === "agent" ? "chat-speaker" : "chat-speaker visually-hidden";
    label.textContent = speaker(entry) + (entry.who === "agent" ? "" : ":");
    item.appendChild(label);
    var bubble = document.createElement("div");
    bubble.className = "chat-bubble";
    if (entry.secret) bubble.classList.add("chat-bubble-secret");
    if (entry.who === "user") appendMasked(bubble, entry.text, entry.lang || state.lang);
    else bubble.textContent = entry.text;
    if (entry.text) item.appendChild(bubble);
    if (entry.text) item.appendChild(stamp(entry.at, entry.lang || state.lang));
    // Only the latest buttons are shown: the user's bubble says what was chosen from older ones.
    if (entry.buttons && entry.buttons.length && index === activeButtons) {
      var group = document.createElement("div");
      group.className = "chat-buttons";
      entry.buttons.forEach(function (button) {
        var element = document.createElement("button");
        element.type = "button";
        element.className = "chat-button";
        element.textContent = button.title;
        element.addEventListener("click", function () {
          sendMessage(button.payload, button.title, false);
          input.focus(); // the buttons go with the answer: focus stays somewhere useful
        });
        group.appendChild(element);
      });
      item.appendChild(group);
    }
    return item;
  }

  function render() {
    var active = lastButtonsIndex();
    var fragment = document.createDocumentFragment();
    state.entries.forEach(function (entry, index) {
      fragment.appendChild(renderEntry(entry, index, active));
    });
    log.replaceChildren(fragment);
    if (state.typingTimer) log.appendChild(typingIndicator());
    log.scrollTop = log.scrollHeight;
  }

  function typingIndicator() {
    var item = document.createElement("li");
    item.className = "chat-entry chat-entry-typing";
    item.setAttribute("aria-label", t("typing"));
    for (var i = 0; i < 3; i++) item.appendChild(document.createElement("span"));
    return item;
  }

  function addEntry(entry) {
    entry.at = entry.at || Date.now();
    state.entries.push(entry);
    if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
    save(sessionStorage, STORE.transcript, state.entries);
    var active = lastButtonsIndex();
    if (active === state.entries.length - 1 || (entry.who === "notice" && ENDS_MENU[entry.key])) {
      Array.prototype.forEach.call(log.querySelectorAll(".chat-buttons"), function (group) {
        group.remove();
      });
    }
    var typing = log.querySelector(".chat-entry-typing");
    log.insertBefore(renderEntry(entry, state.entries.length - 1, active), typing);
    log.scrollTop = log.scrollHeight;
  }

  // Buttons wait for the assistant's answer after a message, so a double click sends once.
  function enableButtons(enabled) {
    Array.prototype.forEach.call(log.querySelectorAll(".chat-button"), function (button) {
      button.disabled = !enabled;
    });
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    Array.prototype.forEach.call(root.querySelectorAll("[data-text]"), function (element) {
      element.textContent = t(element.getAttribute("data-text"));
    });
    languageButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-language") === state.lang));
    });
    applyInputMode();
    showConnection(state.connection);
  }

  function setLanguage(lang) {
    if (LANGUAGES.indexOf(lang) < 0 || lang === state.lang) return;
    state.lang = lang;
    save(localStorage, STORE.language, lang);
    applyLanguage();
  }

  /* ---- the input: plain text, or a password field while a secret is asked for ------------- */

  function isSecret() {
    return Boolean(state.collect && state.collect.secret);
  }

  function applyInputMode() {
    var secret = isSecret();
    var digits = Boolean(state.collect);
    var wanted = secret ? "password" : "text";
    if (input.type !== wanted) {
      input.value = "";
      input.type = wanted;
    }
    input.setAttribute("autocomplete", "off");
    if (digits) input.setAttribute("inputmode", "numeric");
    else input.removeAttribute("inputmode");
    input.maxLength = MAX_CHARS;
    input.placeholder = secret ? t("secretPlaceholder") : digits ? t("digitsPlaceholder") : t("placeholder");
    inputLabel.textContent = secret ? t("secretLabel") : t("inputLabel");
    root.classList.toggle("chat-secret", secret);
    hint.hidden = !secret;
    hint.textContent = secret ? t("secretHint") : "";
  }

  function setCollect(collect) {
    state.collect = collect && typeof collect === "object" ? collect : null;
    save(sessionStorage, STORE.collect, state.collect);
    applyInputMode();
  }

  /* ---- connection ------------------------------------------------------------------------- */

  function showConnection(connection) {
    state.connection = connection;
    statusBox.setAttribute("data-state", connection);
    statusText.textContent = t(connection === "online" ? "online" : connection === "offline" ? "offline" : "connecting");
    if (connection === "offline") {
      banner.textContent = typeof window.io === "function" ? t("unreachable") : t("noClient");
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.textContent = "";
    }
  }

  function startTyping() {
    stopTyping();
    if (state.connection !== "online" || state.withAgent) return; // offline, or a person answers
    state.typingTimer = window.setTimeout(stopTyping, TYPING_TIMEOUT_MS);
    log.appendChild(typingIndicator());
    log.scrollTop = log.scrollHeight;
  }

  function stopTyping() {
    if (state.typingTimer) window.clearTimeout(state.typingTimer);
    state.typingTimer = null;
    var typing = log.querySelector(".chat-entry-typing");
    if (typing) typing.remove();
  }

  var socket = null;

  function flush() {
    if (!socket || !state.confirmed) return;
    while (state.pending.length) {
      socket.emit(root.getAttribute("data-user-event"), {
        message: state.pending.shift(),
        metadata: { language: state.lang }
      });
    }
  }

  /* Send `message` to the assistant. `shown` is what the user's bubble says (null: nothing);
   * typed text is masked while a secret is asked for, and a card-like number always is. */
  function sendMessage(message, shown, typed) {
    if (!message) return;
    if (shown !== null) {
      var secret = typed && isSecret();
      var text = typed ? maskDigits(shown, secret) : shown;
      addEntry({ who: "user", text: text, secret: secret && text.indexOf(MASK) >= 0, lang: state.lang });
    }
    restartIdleTimer();
    state.pending.push(message);
    enableButtons(false);
    startTyping();
    flush();
  }

  function receive(message) {
    if (!message || typeof message !== "object") return;
    stopTyping();
    var custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    if (LANGUAGES.indexOf(custom.lang) >= 0) setLanguage(custom.lang);
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (custom.desk || custom.agent) restartIdleTimer(); // the agent's activity counts too
    if (custom.desk === "joined" || custom.desk === "left") {
      state.withAgent = custom.desk === "joined";
      save(sessionStorage, STORE.agent, state.withAgent);
      addEntry({ who: "notice", key: custom.desk === "joined" ? "agentJoined" : "agentLeft",
        agent: String(custom.agent || ""), lang: state.lang });
    }
    notifyParent();
    if (typeof custom.agent === "string" && message.text) {
      addEntry({ who: "agent", agent: custom.agent, text: String(message.text), lang: state.lang });
      return;
    }
    if (message.text || buttons.length) {
      addEntry({
        who: "bot",
        lang: state.lang,
        text: typeof message.text === "string" ? message.text : "",
        buttons: buttons.map(function (button) {
          return { title: String(button.title), payload: String(button.payload) };
        })
      });
    }
    if (custom.handoff) {
      var queue = custom.handoff.queue;
      addEntry({ who: "notice", key: queue === "pos_support" ? "handoffPos" : "handoffAgent", lang: state.lang });
    }
    if (message.text || buttons.length || custom.collect) setCollect(custom.collect);
    enableButtons(true);
  }

  function connect() {
    if (typeof window.io !== "function") {
      showConnection("offline");
      return;
    }
    socket = window.io({
      path: root.getAttribute("data-socket-path"),
      transports: ["polling"], // the server offers long-polling only (bot/channels/webchat.py)
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 8000
    });
    socket.on("connect", requestSession);
    socket.on("session_required", requestSession);
    socket.on("session_confirm", function (confirm) {
      var id = confirm && confirm.session_id;
      if (typeof id !== "string") return;
      if (id !== state.sessionId) {
        // a new conversation (first visit, expired, ended, or not this tab's): a fresh page
        state.sessionId = id;
        state.secret = typeof confirm.secret === "string" ? confirm.secret : null;
        save(sessionStorage, STORE.session, { id: state.sessionId, secret: state.secret });
        var notices = state.entries.filter(function (entry) { return entry.who === "notice" && entry.keep; });
        state.entries = notices;
        if (confirm.reason === "expired") state.entries.push({ who: "notice", key: "expired", lang: state.lang, at: Date.now() });
        state.pending = [];
        state.withAgent = false;
        save(sessionStorage, STORE.agent, false);
        save(sessionStorage, STORE.transcript, state.entries);
        setCollect(null);
        render();
      }
      state.confirmed = true;
      showConnection("online");
      if (!state.entries.some(function (entry) { return entry.who !== "notice"; }) && !state.pending.length) {
        sendMessage("/greet", null, false);
      }
      if (state.pending.length) startTyping();
      flush();
    });
    socket.on("session_ended", function () {
      state.sessionId = null;
      state.secret = null;
      save(sessionStorage, STORE.session, null);
      state.entries = [{ who: "notice", key: "ended", lang: state.lang, at: Date.now(), keep: true }];
      save(sessionStorage, STORE.transcript, state.entries);
      setCollect(null);
      render();
      requestSession();
    });
    socket.on(root.getAttribute("data-bot-event"), receive);
    socket.on("connect_error", function () {
      state.confirmed = false;
      stopTyping();
      showConnection("offline");
    });
    socket.on("disconnect", function (reason) {
      state.confirmed = false;
      stopTyping();
      showConnection("offline");
      // the server ended the connection: socket.io leaves reconnecting to us in that one case
      if (reason === "io server disconnect") socket.connect();
    });
  }

  function requestSession() {
    state.confirmed = false;
    if (socket) socket.emit("session_request", { session_id: state.sessionId, secret: state.secret, language: state.lang });
  }

  // The server drops an idle conversation's verification; the widget asks again when the time is
  // up, so the user is told at once rather than at their next message.
  function restartIdleTimer() {
    if (state.idleTimer) window.clearTimeout(state.idleTimer);
    state.idleTimer = window.setTimeout(function () {
      if (state.connection === "online") requestSession();
    }, IDLE_MS + 1000);
  }

  // Embedded by embed.js: the launcher shows an unread badge while the panel is closed.
  function notifyParent() {
    if (window.parent !== window) window.parent.postMessage({ bankWebchat: "message" }, "*");
  }

  /* ---- wiring ------------------------------------------------------------------------------ */

  endButton.addEventListener("click", function () {
    if (socket && state.confirmed) socket.emit("session_end", {});
    input.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim().slice(0, MAX_CHARS);
    input.value = "";
    if (text) sendMessage(text, text, true);
    input.focus();
  });

  languageButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var lang = button.getAttribute("data-language");
      if (lang === state.lang) return;
      setLanguage(lang);
      sendMessage('/choose_language{"language":"' + lang + '"}', TEXTS[lang].languageNames[lang], false);
    });
  });

  var query = new URLSearchParams(window.location.search);
  if (query.get("embed") === "1") document.documentElement.classList.add("chat-embedded");
  ["brand", "brand-dark"].forEach(function (name) {
    var colour = query.get(name);
    if (colour && /^#[0-9a-fA-F]{3,8}$/.test(colour)) {
      document.documentElement.style.setProperty("--" + name, colour);
    }
  });
  applyLanguage();
  render();
  restartIdleTimer();
  connect();
})();
