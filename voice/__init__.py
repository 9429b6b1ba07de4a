"""The office speaker agent (issue 4): a Socket.IO client that speaks `announce` events.

It never imports `app`: it talks to the server over Socket.IO only."""
