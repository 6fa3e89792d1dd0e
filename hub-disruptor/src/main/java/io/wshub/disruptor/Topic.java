package io.wshub.disruptor;

import java.util.Arrays;

/**
 * The subscribers of one topic within one shard, in an array that fan-out walks without allocating.
 *
 * <p>Thread-safety: touched only by the owning shard's fan-out thread.
 */
final class Topic {

    final String name;
    Member[] members = new Member[4];
    /** Whether the member at the same index receives envelopes instead of raw messages. */
    boolean[] envelope = new boolean[4];
    int size;

    Topic(String name) {
        this.name = name;
    }

    /** Adds a member that is not yet subscribed. */
    void add(Member m, boolean wantsEnvelope) {
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
            envelope = Arrays.copyOf(envelope, size * 2);
        }
        if (m.topicCount == m.topics.length) {
            int capacity = Math.max(2, m.topicCount * 2);
            m.topics = Arrays.copyOf(m.topics, capacity);
            m.topicSlots = Arrays.copyOf(m.topicSlots, capacity);
        }
        m.topics[m.topicCount] = this;
        m.topicSlots[m.topicCount] = size;
        m.topicCount++;
        envelope[size] = wantsEnvelope;
        members[size++] = m;
    }

    /** Sets whether a subscribed member receives envelopes. */
    void setEnvelope(Member m, int position, boolean wantsEnvelope) {
        envelope[m.topicSlots[position]] = wantsEnvelope;
    }

    /**
     * Removes a member at its position in the member's own topic list.
     *
     * @param m the member
     * @param position the index of this topic in {@code m.topics}
     */
    void remove(Member m, int position) {
        int slot = m.topicSlots[position];
        int last = size - 1;
        Member moved = members[last];
        members[slot] = moved;
        envelope[slot] = envelope[last];
        members[last] = null;
        envelope[last] = false;
        size = last;
        if (moved != m) {
            moved.topicSlots[moved.topicPosition(this)] = slot;
        }
        int memberLast = m.topicCount - 1;
        m.topics[position] = m.topics[memberLast];
        m.topicSlots[position] = m.topicSlots[memberLast];
        m.topics[memberLast] = null;
        m.topicCount = memberLast;
    }
}
