package io.wshub.disruptor;

import java.util.Arrays;

/**
 * An open-addressing hash map from a non-zero {@code long} key to an object, with linear probing and backward-shift
 * deletion. Lookups and removals allocate nothing; an insertion allocates only when the table grows.
 *
 * <p>Thread-safety: not thread-safe; owned by one fan-out thread.
 *
 * @param <V> the value type
 */
final class LongObjectMap<V> {

    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private Object[] values;
    private int mask;
    private int size;
    private int resizeAt;

    LongObjectMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        resizeAt = capacity / 2;
    }

    private int home(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == 0L) {
                return null;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Maps a key to a value, replacing any previous value.
     *
     * @param key a non-zero key
     * @param value the value; not null
     */
    void put(long key, V value) {
        if (key == 0L) {
            throw new IllegalArgumentException("key 0 is reserved");
        }
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == 0L) {
                keys[i] = key;
                values[i] = value;
                if (++size > resizeAt) {
                    grow();
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == 0L) {
                return null;
            }
            if (k == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        V old = (V) values[i];
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == 0L) {
                break;
            }
            int h = home(k);
            boolean movable = j > gap ? (h <= gap || h > j) : (h <= gap && h > j);
            if (movable) {
                keys[gap] = k;
                values[gap] = values[j];
                gap = j;
            }
        }
        keys[gap] = 0L;
        values[gap] = null;
        size--;
        return old;
    }

    void clear() {
        Arrays.fill(keys, 0L);
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            long k = oldKeys[i];
            if (k != 0L) {
                int j = home(k);
                while (keys[j] != 0L) {
                    j = (j + 1) & mask;
                }
                keys[j] = k;
                values[j] = oldValues[i];
            }
        }
    }
}
