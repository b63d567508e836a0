"""One function per thing a person does: ask the rules, write, record the event, enqueue for TRS."""
