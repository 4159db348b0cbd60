import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { NotificationWorkerConfig } from './notification-worker-config';
import { notificationWorkerService } from './notification-worker-service';

runMain(async () => {
  const config = loadConfig(NotificationWorkerConfig);
  return runService(notificationWorkerService(config), config);
});
