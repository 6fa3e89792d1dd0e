package io.wshub.api;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The compact, unmodifiable header map behind {@link HandshakeRequest#headers()}: the same content, order and
 * case-insensitive lookup as an unmodifiable {@code TreeMap} with {@link String#CASE_INSENSITIVE_ORDER}, in one array.
 * A session keeps its handshake for its whole life, so this is memory per connection: one array slot per name and per
 * value list instead of a tree entry, and a header with one value (nearly all of them) stores its {@code String} and
 * answers a fresh {@code List.of(value)} when asked. Well-known names and values (an upgrade request's {@code Host},
 * {@code Upgrade: websocket}, {@code Sec-WebSocket-Version: 13}...) are replaced by one shared, equal instance, so a
 * session keeps only the strings that are its own. So are the values that recur from client to client but are not
 * known in advance ({@code Host}, {@code Origin}, {@code User-Agent}, {@code Accept-Language}...), through a bounded
 * table of at most {@value #MAX_RECURRING} strings of at most {@value #MAX_RECURRING_LENGTH} chars:
 * once it is full, later strings are kept per session as before. Values that may be secret ({@code Cookie},
 * {@code Authorization}, {@code Sec-WebSocket-Key}, unknown headers) are never put in the table.
 *
 * <p>Thread-safety: immutable.
 */
final class HeaderMap extends AbstractMap<String, List<String>> {

    static final HeaderMap EMPTY = new HeaderMap(new Object[0]);

    /** Common header names and values, each mapped to itself: the shared instance of an equal string. */
    private static final Map<String, String> SHARED = shared(
            "Host", "Upgrade", "Connection", "Origin", "User-Agent", "Cookie", "Authorization", "Pragma",
            "Cache-Control", "Accept-Encoding", "Accept-Language", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "X-Forwarded-For", "X-Forwarded-Proto",
            "host", "upgrade", "connection", "origin", "user-agent", "cookie", "authorization", "pragma",
            "cache-control", "accept-encoding", "accept-language", "sec-websocket-key", "sec-websocket-version",
            "sec-websocket-protocol", "sec-websocket-extensions", "x-forwarded-for", "x-forwarded-proto",
            "websocket", "WebSocket", "keep-alive, Upgrade", "Keep-Alive, Upgrade", "13", "no-cache",
            "gzip, deflate", "gzip, deflate, br", "permessage-deflate; client_max_window_bits",
            "permessage-deflate");

    /** The most strings {@link #recurring} keeps. */
    static final int MAX_RECURRING = 1024;
    /** The longest string {@link #recurring} keeps. */
    static final int MAX_RECURRING_LENGTH = 256;
    /** Headers whose values repeat across clients and are not secret, lower case. */
    private static final Set<String> RECURRING_HEADERS = Set.of("host", "origin", "user-agent", "accept",
            "accept-encoding", "accept-language", "cache-control", "pragma", "connection", "upgrade",
            "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol", "x-forwarded-proto");
    private static final ConcurrentHashMap<String, String> RECURRING = new ConcurrentHashMap<>();

    private static Map<String, String> shared(String... strings) {
        Map<String, String> m = new HashMap<>();
        for (String str : strings) {
            m.put(str, str);
        }
        return Map.copyOf(m);
    }

    private static String shared(String s) {
        return SHARED.getOrDefault(s, s);
    }

    /**
     * Returns the shared instance of a string that many handshakes carry (a {@code Host} value, say), adding it to
     * the bounded table if there is room; the string itself if it is too long or the table is full.
     *
     * @param s the string; not null
     * @return an equal string
     */
    static String recurring(String s) {
        String known = SHARED.get(s);
        if (known != null) {
            return known;
        }
        if (s.length() > MAX_RECURRING_LENGTH) {
            return s;
        }
        known = RECURRING.get(s);
        if (known != null) {
            return known;
        }
        if (RECURRING.size() >= MAX_RECURRING) {
            return s;
        }
        known = RECURRING.putIfAbsent(s, s);
        return known == null ? s : known;
    }

    /** Name, values, name, values...; names sorted case-insensitively; values a String (one value) or a List. */
    private final Object[] slots;

    private HeaderMap(Object[] slots) {
        this.slots = slots;
    }

    /**
     * Copies a case-insensitively sorted map of unmodifiable lists.
     *
     * @param sorted the merged headers, sorted by {@link String#CASE_INSENSITIVE_ORDER}; not null
     * @return the compact copy; never null
     */
    static HeaderMap of(SortedMap<String, List<String>> sorted) {
        if (sorted.isEmpty()) {
            return EMPTY;
        }
        Object[] slots = new Object[sorted.size() * 2];
        int i = 0;
        for (Map.Entry<String, List<String>> e : sorted.entrySet()) {
            List<String> values = e.getValue();
            String name = e.getKey();
            boolean recurs = RECURRING_HEADERS.contains(name.toLowerCase(Locale.ROOT));
            slots[i++] = recurs ? recurring(name) : shared(name);
            if (values.size() != 1) {
                slots[i++] = values;
            } else {
                slots[i++] = recurs ? recurring(values.get(0)) : shared(values.get(0));
            }
        }
        return new HeaderMap(slots);
    }

    /**
     * Finds a name's slot, the way {@code TreeMap} does with its comparator.
     *
     * @param key the name; a {@code String} (else {@link ClassCastException})
     * @return the index of the name's slot, or -1
     */
    private int indexOf(Object key) {
        int lo = 0;
        int hi = slots.length / 2 - 1;
        if (hi < 0) {
            return -1;
        }
        String name = (String) key;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = String.CASE_INSENSITIVE_ORDER.compare(name, (String) slots[2 * mid]);
            if (c < 0) {
                hi = mid - 1;
            } else if (c > 0) {
                lo = mid + 1;
            } else {
                return 2 * mid;
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private static List<String> values(Object slot) {
        return slot instanceof String s ? List.of(s) : (List<String>) slot;
    }

    /**
     * Returns the first value of a header without building a list.
     *
     * @param name the name, any case; not null
     * @return the first value, or {@code null} if the header is absent or has no value
     */
    @SuppressWarnings("unchecked")
    String first(String name) {
        int at = indexOf(name);
        if (at < 0) {
            return null;
        }
        Object v = slots[at + 1];
        if (v instanceof String s) {
            return s;
        }
        List<String> list = (List<String>) v;
        return list.isEmpty() ? null : list.get(0);
    }

    @Override
    public List<String> get(Object key) {
        int at = indexOf(key);
        return at < 0 ? null : values(slots[at + 1]);
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return slots.length / 2;
    }

    @Override
    public boolean isEmpty() {
        return slots.length == 0;
    }

    @Override
    public Set<Entry<String, List<String>>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, List<String>>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < slots.length;
                    }

                    @Override
                    public Entry<String, List<String>> next() {
                        if (next >= slots.length) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, List<String>> e =
                                new SimpleImmutableEntry<>((String) slots[next], values(slots[next + 1]));
                        next += 2;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return slots.length / 2;
            }
        };
    }

    // ---- unmodifiable: every mutator throws, as Collections.unmodifiableMap's do

    @Override
    public List<String> put(String key, List<String> value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> remove(Object key) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void putAll(Map<? extends String, ? extends List<String>> m) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super List<String>, ? extends List<String>> function) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> putIfAbsent(String key, List<String> value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean remove(Object key, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean replace(String key, List<String> oldValue, List<String> newValue) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> replace(String key, List<String> value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> computeIfAbsent(String key, Function<? super String, ? extends List<String>> f) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> computeIfPresent(String key,
                                         BiFunction<? super String, ? super List<String>, ? extends List<String>> f) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> compute(String key,
                                BiFunction<? super String, ? super List<String>, ? extends List<String>> f) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> merge(String key, List<String> value,
                              BiFunction<? super List<String>, ? super List<String>, ? extends List<String>> f) {
        throw new UnsupportedOperationException();
    }
}
