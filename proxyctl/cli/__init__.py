"""The Typer layer: options, prompts, rendering. One module per command."""
