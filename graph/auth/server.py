"""The Auth object langgraph.json names: langgraph dev, Aegra and the Agent Server load it.

The environment (ORCHESTRA_AUTH_KEYS, ORCHESTRA_JWT_*) is read once, when the server loads it.
"""

from graph.auth.credentials import Credentials
from graph.auth.ownership import make_auth

auth = make_auth(Credentials.from_env())
