package io.wshub.disruptor;

import com.lmax.disruptor.EventHandler;
import io.wshub.api.Envelope;
import io.wshub.api.HistoryConfig;
import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscribeResult;
import io.wshub.api.spi.Backfill;
import java.util.HashMap;
import java.util.Iterator;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic history of a hub: sees every event of the ring, in order, before any shard does. For each topic
 * publication on a topic with history it assigns the next offset, builds the envelope once ({@link Envelope}), appends
 * both to the topic's {@link TopicHistory} and writes offset and envelope into the event for the shards to deliver.
 * For each subscription with options it works out, at that very place in the order, whether the requested position
 * is still covered, and copies the publications to replay into the event ({@link Recovery}); the owning shard
 * replays them before any later publication, so there is no gap and no duplicate at the seam.
 *
 * <p>With one shard the shard calls {@link #process} itself before handling the event; with several, this is an
 * event handler of its own thread that the shards' barrier waits for (the Disruptor's "journaller before business
 * logic" shape), so the history and the envelopes exist once per hub, not once per shard.
 *
 * <p>Epochs: the hub draws a random base at start; each topic history gets the base and a generation number. A topic
 * history that holds nothing and has been idle longer than the TTL is forgotten (swept at most every TTL), so a hub
 * with many short-lived topics does not keep them all; if the topic comes back it gets a new epoch, since the offsets
 * behind the old one are gone.
 *
 * <p>Thread-safety: {@link #process} runs on one thread at a time (the stage's, a single shard's, or the shutdown
 * thread once those have ended); {@link #errors()} may be read by any thread.
 */
final class HistoryStage implements EventHandler<HubEvent>, ErrorSink {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryStage.class);
    private static final long LOUD_ERRORS = 20;

    private final HistoryConfig config;
    private final Envelope envelope;
    private final long ttlNanos;
    private final String epochBase;
    private long generation;
    private final HashMap<String, TopicHistory> topics = new HashMap<>();
    private long lastSweep;

    private long errorCount;
    private volatile long publishedErrors;
    private long duplicates;
    private volatile long publishedDuplicates;

    HistoryStage(HistoryConfig config) {
        this.config = config;
        this.envelope = config.envelope();
        this.ttlNanos = config.ttl().toNanos();
        this.epochBase = Long.toString((ThreadLocalRandom.current().nextLong() ^ System.currentTimeMillis())
                & Long.MAX_VALUE, 36);
        this.lastSweep = System.nanoTime();
    }

    @Override
    public void onEvent(HubEvent event, long sequence, boolean endOfBatch) {
        process(event);
    }

    /**
     * Assigns positions and works out recoveries for one event. Never throws.
     *
     * @param e the event, before any shard handles it
     */
    void process(HubEvent e) {
        try {
            if (e.type == HubEvent.PUBLISH) {
                publish(e);
            } else if (e.type == HubEvent.SUBSCRIBE && e.options != null) {
                e.recovery = e.backfill == null ? recover(e.topic, e.options) : recover(e.topic, e.options,
                        e.backfill);
            }
        } catch (Throwable t) {
            error("history of topic " + e.topic, t);
        }
    }

    private void publish(HubEvent e) {
        if (!config.hasHistory(e.topic)) {
            return;
        }
        long now = System.nanoTime();
        TopicHistory h;
        if (e.epoch == null) {
            h = history(e.topic, now);
        } else {
            h = fed(e, now);
            if (h == null) {
                e.type = HubEvent.NOOP;
                return;
            }
        }
        Message wrapped = null;
        if (envelope != null) {
            try {
                wrapped = envelope.wrap(e.topic, h.nextOffset(), h.epoch, e.message);
                if (wrapped == null) {
                    error("envelope of topic " + e.topic + " returned null", null);
                }
            } catch (Throwable t) {
                error("envelope of topic " + e.topic, t);
            }
        }
        e.offset = h.append(e.message, wrapped, now);
        e.envelope = wrapped;
        if (now - lastSweep > ttlNanos) {
            sweep(now);
        }
    }

    private Recovery recover(String topic, SubscribeOptions options) {
        StreamPosition since = options.since();
        boolean recovering = since != null;
        if (!config.hasHistory(topic)) {
            return new Recovery(new SubscribeResult(topic, recovering, false, 0, null), null);
        }
        long now = System.nanoTime();
        TopicHistory h = history(topic, now);
        h.trimExpired(now);
        StreamPosition current = new StreamPosition(h.last, h.epoch);
        if (!recovering) {
            return new Recovery(new SubscribeResult(topic, false, false, 0, current), null);
        }
        long from = since.offset() + 1;
        boolean covered = since.epoch().equals(h.epoch) && since.offset() <= h.last
                && (from > h.last || from >= h.first);
        if (!covered) {
            return new Recovery(new SubscribeResult(topic, true, false, 0, current), null);
        }
        Message[] replay = from > h.last ? null : h.copy(from, options.envelope());
        long replayed = replay == null ? 0 : replay.length;
        return new Recovery(new SubscribeResult(topic, true, true, replayed, current), replay);
    }

    /**
     * Returns the history a publication positioned by a backplane appends to, restarted at its position if it has
     * another epoch or follows a gap; null if it is a duplicate.
     */
    private TopicHistory fed(HubEvent e, long now) {
        TopicHistory h = topics.get(e.topic);
        if (h != null && h.epoch.equals(e.epoch)) {
            if (e.offset <= h.last) {
                publishedDuplicates = ++duplicates;
                return null;
            }
            if (e.offset == h.last + 1) {
                return h;
            }
        }
        return restart(e.topic, e.epoch, e.offset - 1, now);
    }

    /** Replaces the topic's history by an empty one of the epoch whose last offset is {@code last}. */
    private TopicHistory restart(String topic, String epoch, long last, long now) {
        TopicHistory h = new TopicHistory(topic, epoch, config.maxPublications(), ttlNanos, now);
        h.last = last;
        h.first = last + 1;
        topics.put(topic, h);
        return h;
    }

    /**
     * Works out a subscription for which a backplane read its store: aligns the topic's history to the backplane's
     * position if it has none, another epoch, or one behind it, then replays every publication after the requested position: from the
     * local history where it holds them (the published instances), from the backfill before that; all or nothing.
     */
    private Recovery recover(String topic, SubscribeOptions options, Backfill b) {
        StreamPosition since = options.since();
        boolean recovering = since != null;
        if (!config.hasHistory(topic)) {
            return new Recovery(new SubscribeResult(topic, recovering, false, 0, null), null);
        }
        long now = System.nanoTime();
        StreamPosition top = b.top();
        TopicHistory h = topics.get(topic);
        if (h == null || !h.epoch.equals(top.epoch()) || h.last < top.offset()) {
            // No history here, another epoch, or one that missed publications (the topic was not fed for a while).
            h = restart(topic, top.epoch(), top.offset(), now);
        } else {
            h.trimExpired(now);
        }
        StreamPosition current = new StreamPosition(h.last, h.epoch);
        if (!recovering) {
            return new Recovery(new SubscribeResult(topic, false, false, 0, current), null);
        }
        SubscribeResult lost = new SubscribeResult(topic, true, false, 0, current);
        if (!b.covered() || !since.epoch().equals(h.epoch)) {
            return new Recovery(lost, null);
        }
        if (since.offset() >= h.last) {
            return since.offset() == h.last
                    ? new Recovery(new SubscribeResult(topic, true, true, 0, current), null)
                    : new Recovery(lost, null);
        }
        long from = since.offset() + 1;
        int n = (int) (h.last - since.offset());
        Message[] replay = new Message[n];
        long firstFilled = b.firstOffset();
        boolean wantsEnvelope = options.envelope();
        for (int k = 0; k < n; k++) {
            long o = from + k;
            Message m;
            if (o >= h.first) {
                // Held here: the published instance (or its envelope), shared with every other subscriber.
                m = h.get(o, wantsEnvelope);
            } else if (o <= top.offset() && o >= firstFilled) {
                m = b.messages().get((int) (o - firstFilled));
                if (wantsEnvelope && envelope != null) {
                    Message w = envelope.wrap(topic, o, h.epoch, m);
                    m = w != null ? w : m;
                }
            } else {
                return new Recovery(lost, null);
            }
            replay[k] = m;
        }
        return new Recovery(new SubscribeResult(topic, true, true, n, current), replay);
    }

    /** Returns whether the topic keeps history; any thread may call it. */
    boolean hasHistory(String topic) {
        return config.hasHistory(topic);
    }

    /** Returns how many publications fed by a backplane were duplicates and were ignored. */
    long duplicates() {
        return publishedDuplicates;
    }

    private TopicHistory history(String topic, long now) {
        TopicHistory h = topics.get(topic);
        if (h == null) {
            h = new TopicHistory(topic, epochBase + "-" + Long.toString(++generation, 36), config.maxPublications(),
                    ttlNanos, now);
            topics.put(topic, h);
        }
        return h;
    }

    /** Forgets topic histories that hold nothing and have been idle longer than the TTL. */
    private void sweep(long now) {
        lastSweep = now;
        for (Iterator<TopicHistory> it = topics.values().iterator(); it.hasNext(); ) {
            if (it.next().isIdle(now)) {
                it.remove();
            }
        }
    }

    /** Returns the exceptions this stage caught (envelopes that threw, say). */
    long errors() {
        return publishedErrors;
    }

    /** Returns the topic's history, for tests; null if the stage holds none. */
    TopicHistory topic(String topic) {
        return topics.get(topic);
    }

    @Override
    public void error(String what, Throwable t) {
        errorCount++;
        publishedErrors = errorCount;
        if (errorCount <= LOUD_ERRORS || errorCount % 1000 == 0) {
            LOG.warn("hub history: {} failed (error #{})", what, errorCount, t);
        } else {
            LOG.debug("hub history: {} failed", what, t);
        }
    }
}
