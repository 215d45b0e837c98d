"""Every served assistant over the Agent2Agent protocol, at the Agent Server's own paths.

`app.py` is the custom app langgraph.json names (`http.app`): a2a-sdk's JSON-RPC route at
`POST /a2a/{assistant_id}` and the agent card at `GET /.well-known/agent-card.json`. The
executor drives the graph through the server's own API with the caller's credentials, so
the server's users, keys and thread ownership apply as they do to any client.
"""
