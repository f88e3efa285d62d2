"""The mutator: rotates deckies' service sets and banner versions so the fleet never looks static."""
