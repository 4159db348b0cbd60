export { callFirst, commandProcessor, fail, replyAddressOf, replyLater, sendReply, succeed } from './command-processor';
export type {
  AnyCommandHandler,
  CallFirst,
  CallingCommandHandler,
  CommandContext,
  CommandHandler,
  CommandHandlers,
  CommandOutcome,
  CommandProcessorOptions,
  Concluded,
  ReplyAddress,
  ReplyLater,
} from './command-processor';
