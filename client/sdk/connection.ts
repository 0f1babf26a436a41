import { InterceptingCall, status as grpcStatus, type Interceptor } from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

/** What an interceptor passes a call on to: the next interceptor's call, or the channel's. */
type NextCall = ConstructorParameters<typeof InterceptingCall>[0];

/**
 * The gRPC interceptors of the SDK's connection: Temporal's own retries, as by default, and beneath
 * them a guard for a connection closed while a call waits to be tried again. Without it the
 * retry's timer fires on the closed channel, which throws "Channel has been shut down" as an
 * uncaught exception, and the call never settles; with it the call ends CANCELLED.
 */
export function clientInterceptors(): Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error && /channel has been shut down/i.test(err.message))) throw err;
    return new InterceptingCall(endedCall());
  }
};

/** A call that ends CANCELLED as soon as it starts, sending nothing. */
function endedCall(): NextCall {
  return {
    start: (metadata, listener) => {
      setImmediate(() => listener?.onReceiveStatus?.({ code: grpcStatus.CANCELLED, details: 'The connection to Temporal was closed before this call could be tried again.', metadata }));
    },
    cancelWithStatus: () => undefined,
    getPeer: () => '',
    sendMessageWithContext: () => undefined,
    sendMessage: () => undefined,
    startRead: () => undefined,
    halfClose: () => undefined,
    getAuthContext: () => null,
  };
}
