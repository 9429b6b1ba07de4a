"""The office speaker agent: a Socket.IO client that speaks `announce` events.

It never imports `app`: it talks to the server over Socket.IO only."""
