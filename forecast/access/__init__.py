"""Access: who may do what (roles), who is who (users with slow salted hashes), and what was done (audit).

Everything lives in the store's ``access/`` folder (for the embedded reference data and the default
store: ``data/store/access``), next to the data it protects:

    access/users.json      users, roles and scrypt password hashes
    access/audit.jsonl     the append-only, hash-chained audit trail
    access/signing.key     the key that signs this store's model sets (never inside models/)
"""
