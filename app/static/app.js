// Small behaviours that htmx does not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  // Client picker: arrow keys move through the suggestions, Enter picks one, Esc closes.
  document.addEventListener("keydown", function (event) {
    var input = document.getElementById("client-search");
    if (!input || event.target !== input) return;
    var options = Array.prototype.slice.call(document.querySelectorAll("#picker-results [role=option]"));
    if (!options.length) return;
    var current = options.findIndex(function (o) { return o.classList.contains("active-option"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (current >= 0) options[current].classList.remove("active-option");
      current = event.key === "ArrowDown" ? Math.min(current + 1, options.length - 1) : Math.max(current - 1, 0);
      options[current].classList.add("active-option");
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submit the ticket form from the search box
      options[Math.max(current, 0)].click();
    } else if (event.key === "Escape") {
      document.getElementById("picker-results").innerHTML = "";
    }
  });
  // After a client is picked: close the suggestions, show the name in the box, go to the subject.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "client-slot") return;
    var card = event.detail.target.querySelector(".picked-client strong");
    var input = document.getElementById("client-search");
    document.getElementById("picker-results").innerHTML = "";
    if (input && card) input.value = card.textContent;
    var subject = document.getElementById("subject");
    if (subject) subject.focus();
  });

  // A destructive button asks first: <button data-confirm="Delete this line?">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  // Canned replies on a ticket page: the list below the comment box, or Alt+1…9 in the box,
  // inserts the reply (filled in for this ticket by the server) where the cursor is.
  var insertReply = function (number) {
    var template = document.getElementById("canned-reply-" + number);
    var box = document.querySelector("textarea[name=body]");
    if (!template || !box) return false;
    var text = template.content ? template.content.textContent : template.textContent;
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    box.focus();
    return true;
  };
  document.addEventListener("change", function (event) {
    if (event.target.id !== "canned-reply" || !event.target.value) return;
    insertReply(event.target.value);
    event.target.value = "";
  });
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.target.name !== "body") return;
    var digit = /^Digit([1-9])$/.exec(event.code || "");
    if (digit && insertReply(digit[1])) event.preventDefault();
  });

  // Live events (Socket.IO /events, authenticated by the session cookie): the ticket list and the
  // dashboard refresh themselves; a ticket page says when the ticket changed under the reader.
  if (window.io) {
    var socket = window.io("/events", { transports: document.body.dataset.socketTransports.split(",") });
    var refreshList = function () {
      var filters = document.getElementById("ticket-filters");
      if (filters && window.htmx) window.htmx.trigger(filters, "submit");
      if (document.getElementById("dash-unacknowledged")) window.location.reload();
    };
    var flagTicket = function (data) {
      var banner = document.getElementById("live-changed");
      // only news the page does not show yet (our own change arrives after the reload it caused)
      if (banner && String(data.ticket_id) === banner.dataset.ticketId &&
          Date.parse(data.updated_at) > Date.parse(banner.dataset.updatedAt)) banner.classList.remove("d-none");
    };
    ["ticket.created", "ticket.updated", "sla.warning", "sla.breached"].forEach(function (name) {
      socket.on(name, refreshList);
    });
    ["ticket.updated", "ticket.comment"].forEach(function (name) { socket.on(name, flagTicket); });
    // a notice for me (my own room): the bell shows the new unread count; the dashboard marks the ticket
    socket.on("notice.created", function (data) {
      var count = document.getElementById("bell-count");
      if (count) { count.textContent = data.unread; count.classList.toggle("d-none", !data.unread); }
      if (document.getElementById("dash-unacknowledged")) window.location.reload();
    });
    // hours credited or used (a payment matched, a ticket closed): pages that show the balance reload
    socket.on("balance.changed", function () {
      if (document.querySelector("[data-live-balance]")) window.location.reload();
    });
  }
})();
