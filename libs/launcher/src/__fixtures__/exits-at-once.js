// A stand-in for an app that cannot start: it says why on stderr and exits 1 before listening.
console.error('fatal: DATABASE_URL is required');
process.exit(1);
