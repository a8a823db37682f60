/*
 * The bank assistant's web chat widget: a conversation with the Rasa server over its socket.io
 * channel (bot/channels/webchat.py), driven by the assistant's custom payloads:
 *   {"menu": ..., "lang": ...}          the menu's buttons come with the message; `lang` is the
 *                                       conversation's language (the widget follows it)
 *   {"collect": {"secret": true, ...}}  the next answer is a PIN or card number: the input becomes
 *                                       a password field and the user's bubble shows dots only
 *   {"handoff": {"queue": ...}}         a notice that a person takes over
 * Custom payloads are never shown as text. The session id lives in localStorage (a reload or a new
 * tab continues the conversation), the visible transcript in sessionStorage (secrets already
 * masked), the chosen language in localStorage.
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
      languageNames: { sq: "Shqip", en: "English" }
    }
  };
  var LANGUAGES = ["sq", "en"];
  var MASK = "••••";
  // A card number typed outside a PIN/card question is still masked in the user's own bubble.
  var CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;
  var STORE = {
    session: "bank-webchat.session",
    language: "bank-webchat.language",
    transcript: "bank-webchat.transcript",
    collect: "bank-webchat.collect"
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

  var state = {
    sessionId: load(localStorage, STORE.session, null),
    lang: load(localStorage, STORE.language, "sq"),
    entries: load(sessionStorage, STORE.transcript, []),
    collect: load(sessionStorage, STORE.collect, null),
    connection: "connecting",
    confirmed: false,
    pending: [],
    typingTimer: null
  };
  if (LANGUAGES.indexOf(state.lang) < 0) state.lang = "sq";
  if (!Array.isArray(state.entries)) state.entries = [];

  function t(key) {
    return TEXTS[state.lang][key];
  }

  /* ---- rendering -------------------------------------------------------------------------- */

  function lastButtonsIndex() {
    for (var i = state.entries.length - 1; i >= 0; i--) {
      var entry = state.entries[i];
      if (entry.who === "bot" && entry.buttons && entry.buttons.length) return i;
    }
    return -1;
  }

  function renderEntry(entry, index, activeButtons) {
    var item = document.createElement("li");
    item.className = "chat-entry chat-entry-" + entry.who;
    if (entry.who === "notice") {
      item.textContent = TEXTS[entry.lang || state.lang][entry.key] || "";
      return item;
    }
    var bubble = document.createElement("div");
    bubble.className = "chat-bubble";
    if (entry.secret) {
      // dots on screen, words for a screen reader; the digits themselves were never kept
      var dots = document.createElement("span");
      dots.setAttribute("aria-hidden", "true");
      dots.textContent = MASK;
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = TEXTS[entry.lang || state.lang].maskedLabel;
      bubble.classList.add("chat-bubble-secret");
      bubble.append(dots, words);
    } else {
      bubble.textContent = entry.text;
    }
    if (entry.text) item.appendChild(bubble);
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
    state.entries.push(entry);
    if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
    save(sessionStorage, STORE.transcript, state.entries);
    var active = lastButtonsIndex();
    if (active === state.entries.length - 1) {
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
        session_id: state.sessionId,
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
      var text = secret ? MASK : shown.replace(CARD_LIKE, MASK);
      addEntry({ who: "user", text: text, secret: secret, lang: state.lang });
    }
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
    if (message.text || buttons.length) {
      addEntry({
        who: "bot",
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
    socket.on("connect", function () {
      state.confirmed = false;
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (sessionId) {
      var id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (id && id !== state.sessionId) {
        // a new conversation (first visit, or the server did not know the old id): a fresh page
        state.sessionId = id;
        save(localStorage, STORE.session, id);
        state.entries = [];
        save(sessionStorage, STORE.transcript, state.entries);
        setCollect(null);
        render();
      }
      state.confirmed = true;
      showConnection("online");
      if (!state.entries.length && !state.pending.length) sendMessage("/greet", null, false);
      flush();
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

  /* ---- wiring ------------------------------------------------------------------------------ */

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
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

  applyLanguage();
  render();
  connect();
})();
