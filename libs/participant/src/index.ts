export { commandProcessor, fail, succeed } from './command-processor';
export type {
  CommandContext,
  CommandHandler,
  CommandHandlers,
  CommandOutcome,
  CommandProcessorOptions,
} from './command-processor';
