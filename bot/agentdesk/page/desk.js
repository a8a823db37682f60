/*
 * The agent desk page: hand-offs by queue (web chat and phone), their context and masked
 * transcript, accept / reply / end, and the lookup of a phone call by the reference its transfer
 * carried ("screen pop"; also /agent/?ref=REFERENCE). Everything comes over the widget's
 * socket.io server (bot/agentdesk/web.py), pushed as it changes. Text is always set as text,
 * never HTML.
 */
(function () {
  "use strict";

  var WHO = { customer: "Customer", assistant: "Assistant", agent: "Agent" };
  var QUEUES = { agent: "Contact Center", pos_support: "POS support" };
  var METHODS = { card_pin: "card and PIN", customer_number: "customer number" };
  var CHANNELS = { web: "Web chat", phone: "Phone" };
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
  var closeCallButton = document.getElementById("desk-close-call");
  var lookupForm = document.getElementById("desk-lookup");
  var lookupInput = document.getElementById("desk-reference");
  var lookupResult = document.getElementById("desk-lookup-result");
  var state = { handoffs: [], selected: null, found: null, me: null };

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
    if (state.found && state.found.id === state.selected) return state.found;
    return null;
  }

  function holder(handoff) {
    if (handoff.status === "closed") return "closed";
    return handoff.agent ? "with " + handoff.agent : "waiting";
  }

  function verification(handoff) {
    if (!handoff.verified) return "not verified";
    var parts = [handoff.customer || "verified"];
    parts.push("by " + (METHODS[handoff.verified_method] || handoff.verified_method));
    if (handoff.card_last_four) parts.push("card ending " + handoff.card_last_four);
    return parts.join(", ");
  }

  function renderQueue() {
    var fragment = document.createDocumentFragment();
    state.handoffs.forEach(function (handoff) {
      var item = document.createElement("li");
      if (handoff.agent) item.className = "held";
      var choose = document.createElement("button");
      choose.type = "button";
      choose.className = "desk-handoff";
      choose.setAttribute("data-channel", handoff.channel);
      choose.textContent = (QUEUES[handoff.queue] || handoff.queue) + " · " +
        (CHANNELS[handoff.channel] || handoff.channel) + " · " + (handoff.reason || "agent") +
        " · " + String(handoff.language || "?").toUpperCase() + " · " + holder(handoff);
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
      ["Channel", CHANNELS[handoff.channel] || handoff.channel],
      ["Language", handoff.language || "—"],
      ["Queue", QUEUES[handoff.queue] || handoff.queue],
      ["Reason", handoff.reason || "—"],
      ["Verified", verification(handoff)],
      ["Complaint reference", handoff.complaint_reference || "—"],
      ["Agent", holder(handoff)]
    ];
    if (handoff.channel === "phone") facts.push(["Call reference", handoff.reference]);
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
    var mine = handoff.status === "taken" && handoff.agent === state.me;
    var web = handoff.channel === "web";
    acceptButton.hidden = handoff.status !== "open";
    endButton.hidden = !(mine && web);
    closeCallButton.hidden = !(mine && !web);
    replyForm.hidden = !(mine && web);
  }

  function render() {
    renderQueue();
    renderConversation();
  }

  // A call found by its reference stays shown: kept current from the desk, or looked up again
  // once it has left the desk (closed), so it never shows a stale state.
  function refreshFound() {
    if (!state.found) return;
    for (var i = 0; i < state.handoffs.length; i++) {
      if (state.handoffs[i].id === state.found.id) {
        state.found = state.handoffs[i];
        return;
      }
    }
    if (state.found.status !== "closed") socket.emit("desk_lookup", { reference: state.found.reference });
  }

  function lookup(reference) {
    lookupResult.textContent = "";
    if (reference) socket.emit("desk_lookup", { reference: reference });
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
    window.location.reload(); // signed out or expired: the server shows the sign-in page
  });
  socket.on("desk_you", function (data) {
    state.me = data.agent;
    render();
    var reference = new URLSearchParams(window.location.search).get("ref");
    if (reference && !lookupInput.value) {
      lookupInput.value = reference;
      lookup(reference);
    }
  });
  socket.on("desk_state", function (data) {
    state.handoffs = Array.isArray(data.handoffs) ? data.handoffs : [];
    refreshFound();
    if (!selected() && state.handoffs.length) state.selected = state.handoffs[0].id;
    render();
  });
  socket.on("desk_found", function (data) {
    var handoff = data && data.handoff;
    if (!handoff) return;
    state.found = handoff;
    state.selected = handoff.id;
    lookupResult.textContent = "Found: " + (CHANNELS[handoff.channel] || handoff.channel) +
      ", " + verification(handoff) + ".";
    render();
  });
  socket.on("desk_not_found", function () {
    lookupResult.textContent = "No hand-off has this reference.";
  });

  acceptButton.addEventListener("click", function () {
    var handoff = selected();
    if (handoff) socket.emit("desk_accept", { id: handoff.id });
  });
  function end() {
    var handoff = selected();
    if (handoff) socket.emit("desk_end", { id: handoff.id });
  }
  endButton.addEventListener("click", end);
  closeCallButton.addEventListener("click", end);
  lookupForm.addEventListener("submit", function (event) {
    event.preventDefault();
    lookup(lookupInput.value.trim());
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
