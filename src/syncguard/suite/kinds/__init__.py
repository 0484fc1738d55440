"""Built-in rule kinds, one module each; every module registers its kind on import."""
