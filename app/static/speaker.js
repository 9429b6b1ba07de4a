// The browser speaker: joins the `speakers` room and reads each announcement with the Web Speech
// API, one after another (speechSynthesis queues them). A click is needed first: browsers only
// let a page speak after the user has interacted with it.
(function () {
  "use strict";
  var button = document.getElementById("speaker-start");
  var state = document.getElementById("speaker-state");
  var log = document.getElementById("speaker-log");
  if (!button || !window.io) return;
  button.addEventListener("click", function () {
    button.disabled = true;
    var socket = window.io("/events", { auth: { speaker: true },
                                         transports: document.body.dataset.socketTransports.split(",") });
    socket.on("connect", function () { state.textContent = state.dataset.on; state.dataset.connected = "1"; });
    socket.on("disconnect", function () { state.textContent = state.dataset.off; state.dataset.connected = "0"; });
    socket.on("announce", function (data) {
      var item = document.createElement("li");
      item.textContent = new Date().toLocaleTimeString() + " — " + data.text;
      item.dataset.ticketId = data.ticket_id;
      log.prepend(item);
      if (window.speechSynthesis) {
        var utterance = new SpeechSynthesisUtterance(data.text);
        utterance.lang = data.lang === "ru" ? "ru-RU" : "en-US";
        window.speechSynthesis.speak(utterance);
      }
    });
  });
})();
