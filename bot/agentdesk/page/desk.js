/*
 * The agent desk page: hand-offs by queue, the masked transcript, accept / reply / end, all over
 * the widget's socket.io server (bot/agentdesk/web.py). Text is always set as text, never HTML.
 */
(function () {
  "use strict";

  var WHO = { customer: "Customer", assistant: "Assistant", agent: "Agent" };
  var QUEUES = { contact_center: "Contact Center", pos_support: "POS support" };
  var queue = document.getElementById("desk-queue");
  var empty = document.getElementById("desk-empty");
  var status = document.getElementById("desk-status");
  var panel = document.getElementById("desk-conversation");
  var context = document.getElementById("desk-context");
  var transcript = document.getElementById("desk-transcript");
  var replyForm = document.getElementById("desk-reply");
  var input = document.getElementById("desk-input");
  var acceptButton = document.getElementById("desk-accept");
  var endButton = document.getElementById("desk-end");
  var state = { handoffs: [], selected: null, me: null };

  function time(at) {
    var element = document.createElement("time");
    var date = new Date(at * 1000);
    element.dateTime = date.toISOString();
    element.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return element;
  }

  function selected() {
    for (var i = 0; i < state.handoffs.length; i++) {
      if (state.handoffs[i].id === state.selected) return state.handoffs[i];
    }
    return null;
  }

  function renderQueue() {
    var fragment = document.createDocumentFragment();
    state.handoffs.forEach(function (handoff) {
      var item = document.createElement("li");
      if (handoff.agent) item.className = "held";
      var choose = document.createElement("button");
      choose.type = "button";
      choose.className = "desk-handoff";
      choose.textContent = (QUEUES[handoff.queue] || handoff.queue) + " · " +
        (handoff.reason || "agent") + " · " + handoff.language.toUpperCase() + " · " +
        (handoff.agent ? "with " + handoff.agent : "waiting");
      choose.addEventListener("click", function () {
        state.selected = handoff.id;
        render();
        (acceptButton.hidden ? input : acceptButton).focus();
      });
      item.appendChild(choose);
      fragment.appendChild(item);
    });
    queue.replaceChildren(fragment);
    empty.hidden = state.handoffs.length > 0;
  }

  function renderConversation() {
    var handoff = selected();
    panel.hidden = !handoff;
    if (!handoff) return;
    var facts = [
      ["Channel", handoff.channel], ["Language", handoff.language], ["Queue", handoff.queue],
      ["Reason", handoff.reason || "—"], ["Reference", handoff.reference || "—"],
      ["Agent", handoff.agent || "waiting"]
    ];
    var fragment = document.createDocumentFragment();
    facts.forEach(function (fact) {
      var term = document.createElement("dt");
      term.textContent = fact[0];
      var value = document.createElement("dd");
      value.textContent = fact[1];
      fragment.append(term, value);
    });
    context.replaceChildren(fragment);
    var lines = document.createDocumentFragment();
    handoff.lines.forEach(function (line) {
      var item = document.createElement("li");
      item.className = "desk-line desk-line-" + line.who;
      var who = document.createElement("span");
      who.className = "desk-line-who";
      who.textContent = line.who === "agent" ? "Agent " + line.agent + ":" : WHO[line.who] + ":";
      var text = document.createElement("span");
      text.className = "desk-line-text";
      text.textContent = line.text;
      item.append(who, text, time(line.at));
      lines.appendChild(item);
    });
    transcript.replaceChildren(lines);
    transcript.scrollTop = transcript.scrollHeight;
    var mine = handoff.agent && handoff.agent === state.me;
    acceptButton.hidden = Boolean(handoff.agent);
    endButton.hidden = !mine;
    replyForm.hidden = !mine;
  }

  function render() {
    renderQueue();
    renderConversation();
  }

  var socket = window.io({ path: "/socket.io", transports: ["polling"] });
  socket.on("connect", function () {
    status.textContent = "Online";
    status.setAttribute("data-state", "online");
    socket.emit("desk_join", {});
  });
  socket.on("disconnect", function () {
    status.textContent = "Offline — reconnecting…";
    status.setAttribute("data-state", "offline");
  });
  socket.on("desk_refused", function () {
    window.location.reload(); // the sign-in expired: the server shows the sign-in page
  });
  socket.on("desk_you", function (data) {
    state.me = data.agent;
    render();
  });
  socket.on("desk_state", function (data) {
    state.handoffs = Array.isArray(data.handoffs) ? data.handoffs : [];
    if (!selected() && state.handoffs.length) state.selected = state.handoffs[0].id;
    render();
  });

  acceptButton.addEventListener("click", function () {
    var handoff = selected();
    if (!handoff) return;
    socket.emit("desk_accept", { id: handoff.id });
  });
  endButton.addEventListener("click", function () {
    var handoff = selected();
    if (handoff) socket.emit("desk_end", { id: handoff.id });
  });
  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var handoff = selected();
    var text = input.value.trim();
    if (!handoff || !text) return;
    socket.emit("desk_reply", { id: handoff.id, text: text });
    input.value = "";
    input.focus();
  });
})();
