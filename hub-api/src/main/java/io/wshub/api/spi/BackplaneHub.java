package io.wshub.api.spi;

import io.wshub.api.Hub;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;

/**
 * A local {@link Hub} that a backplane (such as {@code hub-redis}) feeds: the backplane assigns the positions of topic
 * publications and keeps the long history in its own store, the local hub does the local fan-out and keeps a short
 * history of what it was fed, which is the seam between a backplane read and the live stream.
 *
 * <p>Contract, on top of {@link Hub}'s:
 * <ul>
 *   <li>{@link #publishAt} is called by one backplane thread per topic, in offset order. A publication with the
 *       topic's next offset in its epoch is appended and delivered with that position; one at or below the last
 *       offset of that epoch is a duplicate and is ignored; one of another epoch, or after a gap, restarts the topic's
 *       local history at that position (the backplane repairs gaps before it feeds, so a gap here means the
 *       publications are lost; live subscribers see it as a jump in offsets or a new epoch).</li>
 *   <li>{@link #subscribe(Session, String, SubscribeOptions, Backfill)} carries out a subscription, at its place in
 *       the hub's order, with what the backplane read from its store: the topic's local history is first aligned to
 *       the backfill's position (what the backplane has fed this hub up to) if it has none, another epoch, or one
 *       behind it; the session is then offered every publication after its
 *       position up to the hub's last, each from the local history where it holds it (the published instance, shared
 *       with the live subscribers) and from the backfill before that, then live ones, with no gap and no duplicate; if
 *       together they do not cover everything after the position the subscription is not recovered and nothing is
 *       replayed.</li>
 *   <li>Users publish through the backplane, never on the local hub directly: a topic publication made with
 *       {@link #publish} on a topic with history would get a position the backplane did not assign.</li>
 * </ul>
 *
 * <p>Thread-safety: as {@link Hub}.
 */
public interface BackplaneHub extends Hub {

    /**
     * Delivers a topic publication whose position the backplane assigned.
     *
     * @param topic the topic; not null
     * @param message the message; not null
     * @param position its position; not null
     * @return the result, as {@link #publish}
     */
    PublishResult publishAt(String topic, Message message, StreamPosition position);

    /**
     * Subscribes with what the backplane read from its store for this subscription.
     *
     * @param session the session; not null
     * @param topic the topic; not null
     * @param options the options; not null
     * @param backfill what the backplane read; not null
     * @return the result, as {@link #subscribe(Session, String, SubscribeOptions)}
     */
    PublishResult subscribe(Session session, String topic, SubscribeOptions options, Backfill backfill);

    /**
     * Returns whether publications on the topic have positions and history here.
     *
     * @param topic the topic; not null
     * @return whether the hub keeps history for it
     */
    boolean hasHistory(String topic);
}
