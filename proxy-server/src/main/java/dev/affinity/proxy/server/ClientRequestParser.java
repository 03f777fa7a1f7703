package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.NanoTime;

/**
 * Jetty's {@link HttpParser} for the clients' requests, with the common request parsed here: a small
 * head with at most a Content-Length ({@link SimpleRequestHead}), as browsers, curl, wrk and HTTP
 * client libraries send most requests, in one pass; its body counted out of the buffers. Any other
 * request (HTTP/1.0, a chunked body, CONNECT or Upgrade, a head cut across reads, anything malformed)
 * goes, whole, to Jetty's parser, which also decides what is malformed. Jetty's server connection
 * gets it from {@link ClientConnectionFactory}.
 *
 * <p>It gives the handler the events Jetty's parser gives, in the same order, stops where Jetty's
 * stops, and answers the connection's questions (its state, whether the request has content) as
 * Jetty's would; {@code ClientRequestParserTest} compares the two on the same bytes.
 *
 * <p>Why: Jetty's parser reads a head one byte at a time through its state machine. With a
 * {@code BALANCEID} cookie, parsing a small request was 15% of the proxy's user time (async-profiler,
 * bench scenario sticky-64), the largest single item left; see docs/performance.md, 2026-11-25 18:05 UTC.
 *
 * <p>Not thread-safe: one per connection, used by the thread parsing it.
 */
final class ClientRequestParser extends HttpParser {

    // As Jetty's parser's own sets of states, which are private to it.
    private static final Set<State> IDLE = EnumSet.of(State.START, State.END, State.CLOSE, State.CLOSED);
    private static final Set<State> COMPLETE = EnumSet.of(State.END, State.CLOSE, State.CLOSED);

    private final int maxHeaderBytes;
    private final SimpleRequestHead simple;
    private final Runnable emitHead;
    /** The request parsed here; at its START, Jetty's parser, reset, answers for the state. */
    private final SimpleMessage message;
    /** Whether Jetty's parser has the request, or a tunnel, until a reset brings it back to its start. */
    private boolean withJetty;
    private long beginNanoTime;
    private int headerLength;

    ClientRequestParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
        super(handler, maxHeaderBytes, compliance);
        this.maxHeaderBytes = maxHeaderBytes;
        this.simple = new SimpleRequestHead(this::newField);
        this.emitHead = () -> simple.emit(handler);
        this.message = new SimpleMessage(handler, HttpStatus.BAD_REQUEST_400, "Bad Request");
    }

    @Override
    public boolean parseNext(ByteBuffer buffer) {
        if (withJetty) {
            return super.parseNext(buffer);
        }
        return message.state() == State.START ? start(buffer) : message.parseNext(buffer, isAtEOF());
    }

    /** A new request: its head parsed here if of the common shape, else the whole of it by Jetty's parser. */
    private boolean start(ByteBuffer buffer) {
        // Within Jetty's limit, less any CR and LF it took before the request, which count against it; and
        // short of the limit by one, which Jetty's parser may reach without refusing.
        int limit = maxHeaderBytes > 0 ? maxHeaderBytes - super.getHeaderLength() - 1 : FieldLines.MAX_HEAD;
        int headLength = isAtEOF() || !buffer.hasRemaining() ? FieldLines.NOT_SIMPLE : simple.scan(buffer, limit);
        if (headLength < 0) {
            boolean handle = super.parseNext(buffer);
            withJetty = super.getState() != State.START;
            return handle;
        }
        beginNanoTime = NanoTime.now();
        headerLength = super.getHeaderLength() + headLength; // with any CR or LF Jetty's took before it
        return message.begin(buffer, headLength, simple.contentLength(), emitHead);
    }

    /**
     * A field Jetty's cache does not hold, as Jetty's parser makes it for a request:
     * <ul>
     *   <li>Host: named by its header however sent, its value as sent; a value Jetty's HostPort cannot
     *       read makes it a bad request (400 Bad HostPort) there and then;</li>
     *   <li>Connection: named by its header, a name sent otherwise reported as Jetty reports it;</li>
     *   <li>any other: one that reads lists by the parser's compliance mode.</li>
     * </ul>
     */
    private HttpField newField(HttpHeader header, String name, String value) {
        if (header == HttpHeader.HOST) {
            return new HostPortHttpField(value);
        }
        String named = header == HttpHeader.CONNECTION ? caseInsensitiveHeader(name, header.asString()) : name;
        return newHttpField(header, named, value);
    }

    /**
     * Makes the fields Jetty's cache does not hold as this parser makes them, for heads parsed
     * elsewhere ({@link CommonRequestHead}). Thread-safe: making a field changes no state of the parser
     * behind it, which parses nothing and reports to no one.
     */
    static FieldLines.Maker fieldMaker(int maxHeaderBytes, HttpCompliance compliance) {
        return new ClientRequestParser(new RequestHeadEvents() { }, maxHeaderBytes, compliance)::newField;
    }

    /** Whether the request in progress went to Jetty's parser (for the tests of which shapes do). */
    boolean parsingWithJetty() {
        return withJetty;
    }

    /** As Jetty's: ready for the next request, unless closed. */
    @Override
    public void reset() {
        if (!withJetty && message.ended()) {
            return; // as Jetty's, which keeps even its EOF then
        }
        super.reset();
        if (!withJetty || super.getState() == State.START) {
            withJetty = false;
            message.reset();
            headerLength = 0;
        }
    }

    @Override
    public void close() {
        if (jettyAnswers()) {
            withJetty = true;
            super.close();
        } else {
            message.close();
        }
    }

    /**
     * Hands the rest to Jetty's parser. Not reached from a request parsed here, which has no Upgrade
     * and is not a CONNECT; if it were, the counts of the request before would read as none.
     */
    @Override
    public void startTunnel() {
        withJetty = true;
        super.startTunnel();
    }

    /** Whether Jetty's parser answers for the state: at the start (where it is reset) or while it parses. */
    private boolean jettyAnswers() {
        return withJetty || message.state() == State.START;
    }

    @Override
    public State getState() {
        return jettyAnswers() ? super.getState() : message.state();
    }

    @Override
    public boolean isState(State state) {
        return getState() == state;
    }

    @Override
    public boolean isIdle() {
        return jettyAnswers() ? super.isIdle() : IDLE.contains(getState());
    }

    @Override
    public boolean isComplete() {
        return jettyAnswers() ? super.isComplete() : COMPLETE.contains(getState());
    }

    @Override
    public boolean isTerminated() {
        return jettyAnswers() ? super.isTerminated() : message.ended();
    }

    @Override
    public boolean inContentState() {
        return jettyAnswers() ? super.inContentState()
                : getState().ordinal() >= State.CONTENT.ordinal() && getState().ordinal() < State.END.ordinal();
    }

    @Override
    public boolean inHeaderState() {
        return jettyAnswers() ? super.inHeaderState() : getState() == State.HEADER;
    }

    @Override
    public boolean hasContent() {
        return jettyAnswers() ? super.hasContent() : !message.headRead() || message.contentLength() >= 0;
    }

    @Override
    public boolean isChunking() {
        return jettyAnswers() && super.isChunking();
    }

    @Override
    public long getContentLength() {
        return jettyAnswers() ? super.getContentLength() : message.contentLength();
    }

    @Override
    public long getContentRead() {
        return jettyAnswers() ? super.getContentRead() : message.contentRead();
    }

    @Override
    public int getHeaderLength() {
        return jettyAnswers() ? super.getHeaderLength() : headerLength;
    }

    @Override
    public long getBeginNanoTime() {
        return jettyAnswers() ? super.getBeginNanoTime() : beginNanoTime;
    }

    @Override
    public String toString() {
        return jettyAnswers() ? super.toString() : "%s{s=%s,%d of %d}".formatted(
                getClass().getSimpleName(), getState(), message.contentRead(), message.contentLength());
    }
}
