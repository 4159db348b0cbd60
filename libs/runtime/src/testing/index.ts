export { openApiFaults } from './openapi-faults';
