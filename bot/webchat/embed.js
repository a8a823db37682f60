/*
 * embed.js: puts the bank assistant on any page of the bank's site.
 *
 *   <script src="https://chat.bank.example/webchat/embed.js" data-server="https://chat.bank.example"
 *           data-label="Chat with us" defer></script>
 *
 * Adds a launcher button (bottom right) with an unread badge; it opens the chat panel, the widget
 * page in an iframe from the assistant's server (that server must list the page's origin in
 * BOT_WEB_ORIGINS, which sets the widget's CSP frame-ancestors and socket.io origins). The
 * launcher is styled by custom properties the host page may set: --bank-chat-brand,
 * --bank-chat-ink, --bank-chat-size, --bank-chat-offset. data-brand / data-brand-dark (hex
 * colours) theme the panel itself.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || document.getElementById("bank-chat-launcher")) return;
  var server = (script.getAttribute("data-server") || new URL(script.src).origin).replace(/\/+$/, "");
  var label = script.getAttribute("data-label") || "Chat";
  var HEX = /^#[0-9a-fA-F]{3,8}$/;

  var style = document.createElement("style");
  style.textContent =
    "#bank-chat-launcher{position:fixed;right:var(--bank-chat-offset,20px);bottom:var(--bank-chat-offset,20px);" +
    "z-index:2147483000;width:var(--bank-chat-size,60px);height:var(--bank-chat-size,60px);border:0;" +
    "border-radius:50%;background:var(--bank-chat-brand,#b0182a);color:var(--bank-chat-ink,#fff);" +
    "font:600 14px system-ui,sans-serif;cursor:pointer;box-shadow:0 6px 18px rgba(0,0,0,.25)}" +
    "#bank-chat-launcher:focus-visible{outline:3px solid #ffd76a;outline-offset:3px}" +
    "#bank-chat-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;" +
    "border-radius:11px;background:#ffd76a;color:#1d2330;font:700 12px/22px system-ui,sans-serif}" +
    "#bank-chat-panel{position:fixed;right:var(--bank-chat-offset,20px);" +
    "bottom:calc(var(--bank-chat-offset,20px) + var(--bank-chat-size,60px) + 12px);z-index:2147483000;" +
    "width:min(400px,calc(100vw - 24px));height:min(640px,calc(100vh - 120px));border:0;" +
    "border-radius:14px;box-shadow:0 10px 30px rgba(0,0,0,.25);background:#fff}";
  document.head.appendChild(style);

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "bank-chat-launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "bank-chat-panel");
  launcher.textContent = label;
  var badge = document.createElement("span");
  badge.id = "bank-chat-badge";
  badge.hidden = true;
  launcher.appendChild(badge);
  document.body.appendChild(launcher);

  var panel = null;
  var unread = 0;

  function showUnread() {
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    launcher.setAttribute("aria-label", label + (unread ? " (" + unread + ")" : ""));
  }

  function open() {
    if (!panel) {
      var query = "?embed=1";
      ["brand", "brand-dark"].forEach(function (name) {
        var value = script.getAttribute("data-" + name);
        if (value && HEX.test(value)) query += "&" + name + "=" + encodeURIComponent(value);
      });
      panel = document.createElement("iframe");
      panel.id = "bank-chat-panel";
      panel.title = label;
      panel.src = server + "/webchat/" + query;
      document.body.appendChild(panel);
    }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    showUnread();
    panel.focus();
  }

  function close() {
    if (panel) panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel && !panel.hidden) close();
    else open();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel && !panel.hidden) close();
  });
  window.addEventListener("message", function (event) {
    if (event.origin !== server || !event.data || event.data.bankWebchat !== "message") return;
    if (!panel || panel.hidden) {
      unread += 1;
      showUnread();
    }
  });
  showUnread();
})();
