package io.wshub.disruptor;

import io.wshub.api.Message;
import io.wshub.api.SubscribeResult;

/**
 * What the history stage worked out for one subscription with options, at its place in the ring: the result to
 * report and, when recovered, the publications to replay (the envelopes where the session asked for them).
 *
 * <p>Thread-safety: written by the history stage before the shard reads it through the ring's sequences.
 */
final class Recovery {

    private static final Message[] NONE = new Message[0];

    final SubscribeResult result;
    final Message[] replay;

    Recovery(SubscribeResult result, Message[] replay) {
        this.result = result;
        this.replay = replay == null ? NONE : replay;
    }
}
