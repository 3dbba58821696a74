"""The little every layer shares and no domain owns: the clock."""
