"""The prober: realism checks of our own deckies, as an attacker on the decoy LAN would see them."""
