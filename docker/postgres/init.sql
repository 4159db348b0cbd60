-- Runs once on a fresh postgres container. Each service creates and migrates its own schema at start-up;
-- the database is all they need.
SELECT 'CREATE DATABASE saga' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'saga')\gexec
