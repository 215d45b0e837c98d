"""Where runs are kept: checkpointers, the Store, thread locks and the one-writer guard."""
