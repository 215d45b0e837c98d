"""Users of a served deployment: who is asking (credentials) and what they may touch (ownership).

`graph/auth/server.py` holds the one Auth object langgraph.json names, so `langgraph dev`,
Aegra (`make serve`) and LangChain's Agent Server all authenticate and authorize alike.
"""
