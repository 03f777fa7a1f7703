package dev.affinity.filter.core.scenarios;

import java.net.URI;

/**
 * The scenario web application running in a container, with the filter installed as
 * {@link AppSpec} says. It serves:
 * <ul>
 *   <li>{@code /} (any unmapped path): the text {@code hello};</li>
 *   <li>{@code /early}: calls {@code response.flushBuffer()} before writing {@code early}, so the
 *       response is committed before the application writes a byte;</li>
 *   <li>{@code /stream}: writes {@code chunk0} to {@code chunk4}, flushing after each;</li>
 *   <li>{@code /session}: {@code request.getSession(true)}, then writes the session id;</li>
 *   <li>{@code /nosession}: writes {@code no session} without touching the session;</li>
 *   <li>{@code /gate}: an application filter declared in web.xml (or the container's equivalent)
 *       answers 403 {@code denied} itself, without calling the chain.</li>
 * </ul>
 */
public interface App extends AutoCloseable {

    /** The application's root, ending with a slash: {@code http://127.0.0.1:PORT/}. */
    URI uri();

    /** Stops the container and frees everything it holds. */
    @Override
    void close() throws Exception;
}
