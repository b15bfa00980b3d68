"""The deterministic heart of samtale: review workflows, their contracts and pure rules."""
