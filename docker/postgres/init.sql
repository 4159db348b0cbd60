-- Runs once on a fresh postgres container: the database, and one role per service owning its schema
-- (as setUpServiceRoles makes them for npm start: <database>_<schema>). Each service migrates its own
-- schema at start-up as its role. The passwords are development ones; a production database gets its own.
SELECT 'CREATE DATABASE saga' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'saga')\gexec
\connect saga
REVOKE CREATE ON DATABASE saga FROM PUBLIC;
CREATE ROLE saga_orders LOGIN PASSWORD 'order-api-dev';
CREATE ROLE saga_saga LOGIN PASSWORD 'order-saga-dev';
CREATE ROLE saga_inventory LOGIN PASSWORD 'inventory-worker-dev';
CREATE ROLE saga_payment LOGIN PASSWORD 'payment-worker-dev';
CREATE ROLE saga_cart LOGIN PASSWORD 'cart-worker-dev';
CREATE ROLE saga_notification LOGIN PASSWORD 'notification-worker-dev';
CREATE SCHEMA orders AUTHORIZATION saga_orders;
CREATE SCHEMA saga AUTHORIZATION saga_saga;
CREATE SCHEMA inventory AUTHORIZATION saga_inventory;
CREATE SCHEMA payment AUTHORIZATION saga_payment;
CREATE SCHEMA cart AUTHORIZATION saga_cart;
CREATE SCHEMA notification AUTHORIZATION saga_notification;
