-- The application's database role (web, worker, beat): data access only, never the owner of a table, so it cannot
-- disable the append-only triggers (ALTER TABLE … DISABLE TRIGGER needs ownership) nor TRUNCATE (docs/operations.md
-- §5). Migrations run as the owner role. psql variables: app_role (the application's role), owner_role (the role
-- that runs the migrations and owns the tables). Idempotent: re-run after migrations.
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
