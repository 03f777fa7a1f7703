package dev.affinity.proxy.server;

import java.lang.reflect.Field;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a selector hand out its ready keys in the order the kernel reported them, first ready first
 * served, as HAProxy's and nginx's event loops go through epoll's list. The JDK keeps them in a
 * HashSet, whose order is fixed by each key's identity hash: under load, when one select reports
 * dozens of clients, the same few come last every time, and their requests wait for all the others
 * (measured: a higher p99 for the same median).
 *
 * <p>The set is the JDK's private final field, so this needs {@code --add-opens java.base/sun.nio.ch}
 * and, from JDK 26 on, {@code --enable-final-field-mutation} (the proxy's and the demo's jars name
 * both in their manifests). Without them, or on a JDK that has other fields, the selector keeps the
 * JDK's order and works as before.
 */
final class ReadyOrder {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyOrder.class);

    private ReadyOrder() {
    }

    /**
     * Puts the selector's ready keys in arrival order where the JDK lets this class; false if it keeps
     * the JDK's order (the reason logged at debug level).
     */
    static boolean install(Selector selector) {
        Field selected;
        Field publicSelected;
        Object before;
        try {
            Class<?> impl = Class.forName("sun.nio.ch.SelectorImpl");
            if (!impl.isInstance(selector)) {
                return false;
            }
            selected = impl.getDeclaredField("selectedKeys");
            publicSelected = impl.getDeclaredField("publicSelectedKeys");
            selected.setAccessible(true);
            publicSelected.setAccessible(true);
            before = selected.get(selector);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Ready keys stay in the JDK's order: {}", e.toString());
            return false;
        }
        Set<SelectionKey> keys = new LinkedHashSet<>();
        // Set before the selector's first select, which locks on the public set: no select has seen the old ones.
        try {
            selected.set(selector, keys);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Ready keys stay in the JDK's order: {}", e.toString());
            return false;
        }
        try {
            publicSelected.set(selector, new Ungrowable(keys));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Both or neither: the public view must show the set the selector fills.
            try {
                selected.set(selector, before);
            } catch (ReflectiveOperationException | RuntimeException again) {
                e.addSuppressed(again);
                throw new IllegalStateException("the selector's ready keys could not be put back", e);
            }
            LOG.debug("Ready keys stay in the JDK's order: {}", e.toString());
            return false;
        }
    }

    /** What Selector.selectedKeys() returns: keys may be removed, never added (as the JDK's own view). */
    private static final class Ungrowable extends AbstractSet<SelectionKey> {
        private final Set<SelectionKey> keys;

        Ungrowable(Set<SelectionKey> keys) {
            this.keys = keys;
        }

        @Override
        public Iterator<SelectionKey> iterator() {
            return keys.iterator();
        }

        @Override
        public int size() {
            return keys.size();
        }

        @Override
        public boolean isEmpty() {
            return keys.isEmpty();
        }

        @Override
        public boolean contains(Object o) {
            return keys.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return keys.remove(o);
        }

        @Override
        public void clear() {
            keys.clear();
        }

        @Override
        public boolean add(SelectionKey key) {
            throw new UnsupportedOperationException();
        }
    }
}
