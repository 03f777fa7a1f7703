package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Components;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Context;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Session;
import org.eclipse.jetty.server.TunnelSupport;
import org.eclipse.jetty.util.Attributes;

/**
 * A request {@link CommonRequestConnection} serves itself, as the handler sees it: what Jetty's own
 * request would answer for the same bytes. Its body, if it has one, came whole with its head; a read
 * gives it in one last chunk, then the end.
 *
 * <p>Confined to the request, as Jetty's is: its callbacks run one after another.
 */
final class CommonRequest implements Request {

    private final ConnectionMetaData connection;
    private final Components components;
    /** The request's number on its connection, for its id. */
    private final long number;
    private final String method;
    private final HttpURI uri;
    private final HttpFields headers;
    private final long beginNanoTime;
    /** The body not yet read, or null once read or for a request without one. */
    private byte[] unread;
    private final long length;
    private Attributes.Lazy attributes;

    CommonRequest(ConnectionMetaData connection, Components components, long number, CommonRequestHead head,
                  long beginNanoTime) {
        this.connection = connection;
        this.components = components;
        this.number = number;
        this.method = head.method();
        this.uri = head.uri();
        this.headers = head.fields();
        this.unread = head.body();
        this.length = unread == null ? -1 : unread.length;
        this.beginNanoTime = beginNanoTime;
    }

    @Override
    public String getId() {
        // Made when asked (a log line, say): most requests never are.
        return connection.getId() + "#" + number;
    }

    @Override
    public Components getComponents() {
        return components;
    }

    @Override
    public ConnectionMetaData getConnectionMetaData() {
        return connection;
    }

    @Override
    public String getMethod() {
        return method;
    }

    @Override
    public HttpURI getHttpURI() {
        return uri;
    }

    /** As Jetty's request finds it: the server's, which has no context of its own below it here. */
    @Override
    public Context getContext() {
        return connection.getConnector().getServer().getContext();
    }

    @Override
    public HttpFields getHeaders() {
        return headers;
    }

    @Override
    public long getLength() {
        return length;
    }

    /**
     * The body not yet read, taken as it is, without a chunk or a copy ({@link ArrivedBody#take});
     * null once read, or for a request without one.
     */
    byte[] takeBody() {
        byte[] body = unread;
        unread = null;
        return body;
    }

    @Override
    public Content.Chunk read() {
        byte[] body = unread;
        unread = null;
        return body == null || body.length == 0 ? Content.Chunk.EOF : Content.Chunk.from(ByteBuffer.wrap(body), true);
    }

    /** The body is all here: whoever demands can read at once. */
    @Override
    public void demand(Runnable demandCallback) {
        demandCallback.run();
    }

    @Override
    public boolean consumeAvailable() {
        unread = null;
        return true;
    }

    @Override
    public HttpFields getTrailers() {
        return null;
    }

    @Override
    public long getBeginNanoTime() {
        return beginNanoTime;
    }

    @Override
    public long getHeadersNanoTime() {
        return beginNanoTime;
    }

    @Override
    public boolean isSecure() {
        return HttpScheme.HTTPS.is(uri.getScheme());
    }

    /** Nothing fails a request that is all here but its connection's close, which the response meets. */
    @Override
    public void fail(Throwable failure) {
    }

    /** While the handler has the request, the connection's idle timeout never ends it: there is nothing to tell. */
    @Override
    public void addIdleTimeoutListener(Predicate<TimeoutException> onIdleTimeout) {
    }

    /** The request is all here, so nothing of it can fail after the handler got it. */
    @Override
    public void addFailureListener(Consumer<Throwable> onFailure) {
    }

    /** No CONNECT and no Upgrade come this way. */
    @Override
    public TunnelSupport getTunnelSupport() {
        return null;
    }

    @Override
    public void addHttpStreamWrapper(Function<HttpStream, HttpStream> wrapper) {
        throw new UnsupportedOperationException("no HTTP stream to wrap: the proxy's own connection serves this request");
    }

    @Override
    public Session getSession(boolean create) {
        return null;
    }

    @Override
    public Object removeAttribute(String name) {
        return attributes == null ? null : attributes.removeAttribute(name);
    }

    @Override
    public Object setAttribute(String name, Object attribute) {
        if (attributes == null) {
            attributes = new Attributes.Lazy();
        }
        return attributes.setAttribute(name, attribute);
    }

    @Override
    public Object getAttribute(String name) {
        return attributes == null ? null : attributes.getAttribute(name);
    }

    @Override
    public Set<String> getAttributeNameSet() {
        return attributes == null ? Set.of() : attributes.getAttributeNameSet();
    }

    @Override
    public void clearAttributes() {
        if (attributes != null) {
            attributes.clearAttributes();
        }
    }

    @Override
    public String toString() {
        return "%s %s HTTP/1.1".formatted(method, uri);
    }
}
