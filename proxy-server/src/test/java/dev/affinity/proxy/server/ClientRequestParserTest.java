package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.eclipse.jetty.http.ComplianceViolation;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ClientRequestParser against Jetty's HttpParser, both set up as the proxy's server connections set
 * them up: for each request, fed whole and cut in two at every byte, with and without the client
 * closing after it, with a handler that stops the parser at the head, at each piece of the body, at
 * the body's end and at the request's end in every combination, and cut short by the client's close
 * at every byte, the handler sees the same events (request line, each field's header, name, value and
 * kind, the body's pieces, the end, an early EOF or a bad message), the parsers stop at the same
 * calls and leave the same bytes, and answer the connection's questions (state, content, lengths) the
 * same after each call. And the common shape is parsed without Jetty's parser, the rest with it.
 */
class ClientRequestParserTest {

    private static final HttpConfiguration CONFIGURATION = AffinityProxy.httpConfiguration();
    private static final String STICKY = "GET / HTTP/1.1\r\nHost: 127.0.0.1:18084\r\nCookie: BALANCEID=balancer.node1\r\n\r\n";

    /** Requests of the common shape: parsed without Jetty's parser. */
    static Stream<String> commonShape() {
        return Stream.of(
                STICKY,
                "GET / HTTP/1.1\r\nHost: 127.0.0.1:18084\r\n\r\n",
                // curl, a browser, Java's HttpClient, REST Assured (Apache HttpClient)
                "GET /api/whoami HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
                "GET /welcome?x=1&y=%20z HTTP/1.1\r\nHost: localhost:8080\r\nConnection: keep-alive\r\n"
                        + "sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\nUpgrade-Insecure-Requests: 1\r\n"
                        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n"
                        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                        + "Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\n"
                        + "Cookie: JSESSIONID=ABC123.node1; BALANCEID=balancer.node1; demo_theme=dark\r\n"
                        + "If-None-Match: W/\"12-abc\", \"xyz\"\r\n\r\n",
                "POST /count HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nContent-Length: 5\r\nHost: localhost:8080\r\n"
                        + "User-Agent: Java-http-client/17.0.13\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nn=1&x",
                "POST /login HTTP/1.1\r\nAccept: */*\r\nContent-Type: application/x-www-form-urlencoded; charset=ISO-8859-1\r\n"
                        + "Content-Length: 11\r\nHost: 127.0.0.1:43121\r\nConnection: Keep-Alive\r\n"
                        + "User-Agent: Apache-HttpClient/4.5.14 (Java/17.0.13)\r\nAccept-Encoding: gzip,deflate\r\n\r\nuser=alice&",
                "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                "DELETE /x/1 HTTP/1.1\r\nHost: a.b.c\r\n\r\n",
                "HEAD / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                "OPTIONS /x HTTP/1.1\r\nHost: 10.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
                "PATCH /p HTTP/1.1\r\nhost:a\r\ncontent-length:2\r\nX-Trace:\t1 2\t\r\nX-Empty:\r\n\r\nok",
                // odd but valid paths: Jetty's URI rules are the handler's, on either parser
                "GET //a/../b/./c;p=1?q=\"<>{}|\\^`#frag HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /%2e%2e/%00/%zz HTTP/1.1\r\nHost: a\r\n\r\n",
                // names in any case, cached values spelled otherwise
                "GET / HTTP/1.1\r\nHOST: Example.COM:80\r\nCONNECTION: close\r\nAccept-Encoding: GZIP\r\n"
                        + "cache-control: No-Cache\r\nContent-Type: TEXT/PLAIN;charset=UTF-8x\r\n\r\n",
                // cached values with whitespace after them; Connection named otherwise, which Jetty reports
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: close \r\nAccept: */*\t\r\nAccept-Encoding: GZIP \r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nconnection:close\r\naccept-encoding:gzip\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nCONNECTION:\tkeep-alive\r\nconnection: Upgrade\r\n\r\n",
                // a length with leading zeros, whitespace around values, hosts of every form
                "POST /n HTTP/1.1\r\nHost: a  \r\nContent-Length:  007 \r\n\r\n1234567",
                "GET / HTTP/1.1\r\nHost: [::1]\r\nCookie:\tA=1;\tB=2 ; C=\"q r\"\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: xn--bcher-kva.example:443\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n",
                // a head past the first kilobyte looked at, a large body, bytes after the request
                "GET /long HTTP/1.1\r\nHost: a\r\nX-Long: " + "v".repeat(1500) + "\r\n\r\n",
                "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n" + "b".repeat(3000),
                "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /2 HTTP/1.1\r\n");
    }

    /** Requests for Jetty's parser: its framing rules, its errors, or malformed. */
    static Stream<String> otherShapes() {
        return Stream.of(
                "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.0\r\n\r\n",
                "GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
                "GET /\r\n\r\n",
                "get / HTTP/1.1\r\nHost: a\r\n\r\n",
                "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
                "GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n",
                "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\nHost: a\n\n",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\nok",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\nok",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\nok",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000\r\n\r\nok",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost:\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
                " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
                "GET /\u007f HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Ctl: a\u0001b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Space : no\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-CR: a\rb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Nul: a\0b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Latin: caf\u00e9\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n" + "X-Many: v\r\n".repeat(70) + "\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Huge: " + "v".repeat(9000) + "\r\n\r\n",
                "GET /" + "p".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    /** Requests of the common shape that Jetty rejects as it makes a field: rejected alike. */
    static Stream<String> badHosts() {
        return Stream.of(
                "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n",
                "GET / HTTP/1.1\r\nX-Before: 1\r\nHost: a:\r\nX-After: 2\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 2\r\nHost: [::1\r\n\r\nok");
    }

    @ParameterizedTest
    @MethodSource("badHosts")
    void aHostJettyCannotReadIsABadRequestAsWithJettysParser(String request) {
        assertSameAsJetty(request);
        assertFalse(parsedByJetty(request), "parsed by Jetty's parser");
        List<String> events = parsed(ours(), ParserStops.NOWHERE, bytes(request), List.of(), false);
        assertTrue(events.contains("badMessage 400 Bad HostPort"), events.toString());
    }

    @ParameterizedTest
    @MethodSource("commonShape")
    void theCommonShapeGivesJettysEventsWithoutJettysParser(String request) {
        assertSameAsJetty(request);
        assertFalse(parsedByJetty(request), "parsed by Jetty's parser");
    }

    @ParameterizedTest
    @MethodSource("otherShapes")
    void everyOtherShapeGoesToJettysParser(String request) {
        assertSameAsJetty(request);
        assertTrue(parsedByJetty(request), "not parsed by Jetty's parser");
    }

    @Test
    void aHeadAtTheParsersLimitIsJudgedAsJettyJudgesIt() {
        int limit = CONFIGURATION.getRequestHeaderSize();
        String start = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: ";
        for (int length = limit - 3; length <= limit + 2; length++) {
            String request = start + "v".repeat(length - start.length() - 4) + "\r\n\r\n";
            assertEquals(length, request.length());
            assertSameAsJetty(request);
            // Line ends before the request count against the limit too, also when read before it.
            for (String before : List.of("\r\n", "\r\n".repeat(40), "\r\n".repeat(limit / 2))) {
                byte[] bytes = bytes(before + request);
                List<Integer> cut = List.of(before.length());
                assertEquals(parsed(jetty(), ParserStops.NOWHERE, bytes, cut, false),
                        parsed(ours(), ParserStops.NOWHERE, bytes, cut, false),
                        before.length() + " bytes of line ends, then " + length);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("commonShape")
    void aRequestWhoseClientClosedAfterSendingItIsParsedAsJettyParsesIt(String request) {
        List<List<String>> both = new ArrayList<>();
        for (Function<Recorder, HttpParser> parsers : List.of(jetty(), ours())) {
            Recorder recorder = new Recorder(null, ParserStops.NOWHERE);
            HttpParser parser = parsers.apply(recorder);
            recorder.parser = parser;
            parser.atEOF();
            feed(recorder, parser, bytes(request), List.of());
            both.add(recorder.events);
        }
        assertEquals(both.get(0), both.get(1));
    }

    @Test
    void settingsOtherThanTheProxysGetJettysParser() {
        HttpConfiguration cached = AffinityProxy.httpConfiguration();
        cached.setHeaderCacheSize(1024);
        HttpConfiguration caseSensitive = AffinityProxy.httpConfiguration();
        caseSensitive.setHeaderCacheCaseSensitive(true);
        Recorder recorder = new Recorder(null, ParserStops.NOWHERE);
        assertEquals(ClientRequestParser.class,
                ClientConnectionFactory.parser(recorder, CONFIGURATION, HttpCompliance.RFC9110).getClass());
        for (HttpParser parser : List.of(ClientConnectionFactory.parser(recorder, cached, HttpCompliance.RFC9110),
                ClientConnectionFactory.parser(recorder, caseSensitive, HttpCompliance.RFC9110),
                ClientConnectionFactory.parser(recorder, CONFIGURATION, HttpCompliance.RFC7230),
                ClientConnectionFactory.parser(recorder, CONFIGURATION, HttpCompliance.LEGACY))) {
            assertEquals(HttpParser.class, parser.getClass());
        }
    }

    /** Whether the request, in one buffer, goes to Jetty's parser. */
    private static boolean parsedByJetty(String request) {
        ClientRequestParser parser = (ClientRequestParser) ClientConnectionFactory.parser(new Recorder(null, ParserStops.NOWHERE),
                CONFIGURATION, CONFIGURATION.getHttpCompliance());
        parser.parseNext(ByteBuffer.wrap(bytes(request)));
        return parser.parsingWithJetty();
    }

    @Test
    void requestsOfEitherShapeOneAfterAnotherOnAConnectionAsWithJetty() {
        // As HttpConnection: each request handled, then the parser reset for the next.
        String connection = STICKY + "GET / HTTP/1.0\r\nHost: a\r\n\r\n" + STICKY
                + "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                + "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok" + STICKY;
        byte[] bytes = bytes(connection);
        for (int at = 1; at < bytes.length; at++) {
            List<String> expected = onOneConnection(jetty(), bytes, at);
            List<String> actual = onOneConnection(ours(), bytes, at);
            assertEquals(expected, actual, "cut at " + at);
            assertEquals(6, actual.stream().filter("messageComplete"::equals).count(), actual.toString());
        }
    }

    private static List<String> onOneConnection(Function<Recorder, HttpParser> parsers, byte[] bytes, int cut) {
        Recorder recorder = new Recorder(null, ParserStops.NOWHERE);
        HttpParser parser = parsers.apply(recorder);
        recorder.parser = parser;
        for (byte[] piece : List.of(Arrays.copyOf(bytes, cut), Arrays.copyOfRange(bytes, cut, bytes.length))) {
            ByteBuffer buffer = ByteBuffer.wrap(piece);
            for (int rounds = 0; rounds < 100; rounds++) {
                boolean handle = parser.parseNext(buffer);
                recorder.answers();
                if (parser.isComplete()) {
                    parser.reset();
                    recorder.events.add("(reset)");
                } else if (!handle && !buffer.hasRemaining()) {
                    break;
                }
            }
        }
        return recorder.events;
    }

    @Test
    void aRequestAfterAReadOfNothingOrOfLineEndsIsStillParsedHere() {
        for (String before : List.of("", "\r\n")) {
            ClientRequestParser parser = (ClientRequestParser) ours().apply(new Recorder(null, ParserStops.NOWHERE));
            parser.parseNext(ByteBuffer.wrap(bytes(before)));
            parser.parseNext(ByteBuffer.wrap(bytes(STICKY)));
            assertFalse(parser.parsingWithJetty(), "after \"" + before + "\"");
            assertTrue(parser.isComplete());
        }
    }

    @Test
    void closedDuringOrAfterARequestAnswersAsJettysParserWould() {
        // HttpConnection closes its parser when it gives up on the connection, and may then ask it again.
        String request = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody";
        for (int taken = 0; taken <= request.length(); taken++) {
            assertEquals(closedAt(jetty(), request, taken), closedAt(ours(), request, taken), "closed after " + taken + " bytes");
        }
    }

    private static List<String> closedAt(Function<Recorder, HttpParser> parsers, String request, int taken) {
        Recorder recorder = new Recorder(null, ParserStops.NOWHERE);
        HttpParser parser = parsers.apply(recorder);
        recorder.parser = parser;
        feed(recorder, parser, Arrays.copyOf(bytes(request), taken), List.of());
        parser.close();
        recorder.answers();
        feed(recorder, parser, bytes(STICKY), List.of());
        parser.reset();
        recorder.answers();
        parser.atEOF();
        feed(recorder, parser, new byte[0], List.of());
        return recorder.events;
    }

    @Test
    void aHandlerThatThrowsEndsTheRequestAsJettysParserWould() {
        for (String failing : List.of("startRequest", "parsedHeader", "headerComplete", "content", "contentComplete",
                "messageComplete")) {
            String request = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok";
            List<String> expected = failingAt(jetty(), failing, request);
            List<String> actual = failingAt(ours(), failing, request);
            assertEquals(expected, actual, "failing in " + failing);
            assertTrue(actual.stream().anyMatch(e -> e.startsWith("badMessage") || e.equals("earlyEOF")), actual.toString());
        }
    }

    private static List<String> failingAt(Function<Recorder, HttpParser> parsers, String failing, String request) {
        Recorder recorder = new Recorder(null, ParserStops.NOWHERE) {
            @Override
            void event(String event) {
                super.event(event);
                if (event.startsWith(failing)) {
                    throw new IllegalStateException("no");
                }
            }
        };
        HttpParser parser = parsers.apply(recorder);
        recorder.parser = parser;
        ByteBuffer buffer = ByteBuffer.wrap(bytes(request));
        for (int rounds = 0; rounds < 5; rounds++) {
            recorder.events.add("returned " + parser.parseNext(buffer) + ", " + buffer.remaining() + " left");
            recorder.answers();
        }
        parser.reset();
        recorder.events.add("returned " + parser.parseNext(ByteBuffer.wrap(bytes(STICKY))) + " after the reset");
        recorder.answers();
        return recorder.events;
    }

    @ParameterizedTest
    @MethodSource({"commonShape", "otherShapes", "badHosts"})
    void aRequestCutShortByTheClientsCloseEndsAsWithJetty(String request) {
        byte[] bytes = bytes(request);
        int step = bytes.length > 4000 ? 97 : 1;
        for (int end = 0; end < bytes.length; end += step) {
            byte[] sent = Arrays.copyOf(bytes, end);
            assertEquals(closedAfter(jetty(), sent), closedAfter(ours(), sent), "closed after " + end + " bytes");
        }
    }

    private static List<String> closedAfter(Function<Recorder, HttpParser> parsers, byte[] sent) {
        Recorder recorder = new Recorder(null, ParserStops.NOWHERE);
        HttpParser parser = parsers.apply(recorder);
        recorder.parser = parser;
        feed(recorder, parser, sent, List.of());
        parser.atEOF();
        feed(recorder, parser, new byte[0], List.of());
        return recorder.events;
    }

    /** The same from both parsers, for the request whole and cut at every byte, then closed or not. */
    private static void assertSameAsJetty(String request) {
        byte[] bytes = bytes(request);
        for (List<Integer> cut : ParserStops.cuts(bytes.length)) {
            for (int variant = 0; variant < 2 * ParserStops.ALL; variant++) {
                boolean eofAfter = (variant & 1) != 0;
                ParserStops stops = new ParserStops(variant >> 1);
                List<String> expected = parsed(jetty(), stops, bytes, cut, eofAfter);
                List<String> actual = parsed(ours(), stops, bytes, cut, eofAfter);
                assertEquals(expected, actual, "cut at " + cut + (eofAfter ? ", then the end" : "")
                        + ", handler stopping the parser at " + stops);
            }
        }
    }

    private static List<String> parsed(Function<Recorder, HttpParser> parsers, ParserStops stops, byte[] bytes,
            List<Integer> cut, boolean eofAfter) {
        Recorder recorder = new Recorder(null, stops);
        HttpParser parser = parsers.apply(recorder);
        recorder.parser = parser;
        feed(recorder, parser, bytes, cut);
        if (eofAfter) {
            parser.atEOF();
            feed(recorder, parser, new byte[0], List.of());
        }
        return recorder.events;
    }

    /** Jetty's parser, as Jetty's HttpConnection sets it up with the proxy's configuration. */
    private static Function<Recorder, HttpParser> jetty() {
        return recorder -> {
            HttpParser parser = new HttpParser(recorder, CONFIGURATION.getRequestHeaderSize(),
                    CONFIGURATION.getHttpCompliance());
            parser.setHeaderCacheSize(CONFIGURATION.getHeaderCacheSize());
            parser.setHeaderCacheCaseSensitive(CONFIGURATION.isHeaderCacheCaseSensitive());
            return parser;
        };
    }

    private static Function<Recorder, HttpParser> ours() {
        return recorder -> ClientConnectionFactory.parser(recorder, CONFIGURATION, CONFIGURATION.getHttpCompliance());
    }

    /**
     * Feeds the pieces as HttpConnection does, each parsed until the parser takes no more of it; after
     * each call, whether it asked to stop and the parser's answers are recorded, and parsing goes on;
     * so are bytes left untaken.
     */
    private static void feed(Recorder recorder, HttpParser parser, byte[] bytes, List<Integer> cuts) {
        List<Integer> bounds = new ArrayList<>(cuts);
        bounds.add(bytes.length);
        int from = 0;
        for (int to : bounds) {
            ByteBuffer buffer = ByteBuffer.wrap(Arrays.copyOfRange(bytes, from, to));
            for (int rounds = 0; rounds < 10_000; rounds++) {
                int before = buffer.remaining();
                boolean stopped = parser.parseNext(buffer);
                recorder.events.add(stopped ? "(stopped)" : "(returned)");
                recorder.answers();
                if (!stopped && (!buffer.hasRemaining() || buffer.remaining() == before)) {
                    break;
                }
            }
            if (buffer.hasRemaining()) {
                recorder.events.add("(" + buffer.remaining() + " bytes not taken)");
            }
            from = to;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes down every event, and on request the parser's answers to the questions HttpConnection
     * asks of it. It may stop the parser (return true) at the end of the head, at each piece of the
     * body, at the body's end and at the request's end.
     */
    private static class Recorder implements HttpParser.RequestHandler {
        final List<String> events = new ArrayList<>();
        private final ParserStops stops;
        HttpParser parser;

        Recorder(HttpParser parser, ParserStops stops) {
            this.parser = parser;
            this.stops = stops;
        }

        void event(String event) {
            events.add(event);
            if (parser != null) {
                // What HttpConnection may ask while the parser calls it.
                events.add("  state=" + parser.getState() + " idle=" + parser.isIdle() + " complete=" + parser.isComplete()
                        + " terminated=" + parser.isTerminated() + " inContent=" + parser.inContentState()
                        + " inHeader=" + parser.inHeaderState() + " eof=" + parser.isAtEOF()
                        + " began=" + (parser.getBeginNanoTime() != 0));
            }
        }

        void answers() {
            // After a bad request, how far Jetty's parser had counted the head and whether it had read a
            // Content-Length yet: no Jetty code reads either (HttpConnection asks for neither), and
            // ClientRequestParser does not follow them through the head.
            boolean bad = events.stream().anyMatch(e -> e.startsWith("badMessage"));
            events.add("state=" + parser.getState() + " idle=" + parser.isIdle() + " complete=" + parser.isComplete()
                    + " terminated=" + parser.isTerminated() + " start=" + parser.isStart() + " close=" + parser.isClose()
                    + " closed=" + parser.isClosed() + " inContent=" + parser.inContentState()
                    + " inHeader=" + parser.inHeaderState() + " hasContent=" + parser.hasContent()
                    + " chunking=" + parser.isChunking() + (bad ? "" : " length=" + parser.getContentLength())
                    + " read=" + parser.getContentRead() + (bad ? "" : " head=" + parser.getHeaderLength())
                    + " eof=" + parser.isAtEOF() + " began=" + (parser.getBeginNanoTime() != 0));
        }

        @Override
        public void messageBegin() {
            event("messageBegin");
        }

        @Override
        public void startRequest(String method, String uri, HttpVersion version) {
            event("startRequest " + method + " " + uri + " " + version);
        }

        @Override
        public void parsedHeader(HttpField field) {
            String kind = field instanceof HostPortHttpField host ? "host " + host.getHost() + " " + host.getPort()
                    : field.getClass().getSimpleName();
            event("parsedHeader " + field.getHeader() + "|" + field.getName() + "|" + field.getValue() + "|" + kind
                    + "|" + field.getValueList());
        }

        @Override
        public boolean headerComplete() {
            event("headerComplete");
            return stops.atHead();
        }

        @Override
        public boolean content(ByteBuffer content) {
            byte[] piece = new byte[content.remaining()];
            content.get(piece);
            event("content " + new String(piece, StandardCharsets.ISO_8859_1));
            return stops.atEachPiece();
        }

        @Override
        public boolean contentComplete() {
            event("contentComplete");
            return stops.atBodyEnd();
        }

        @Override
        public boolean messageComplete() {
            event("messageComplete");
            return stops.atEnd();
        }

        @Override
        public void earlyEOF() {
            event("earlyEOF");
        }

        @Override
        public void onViolation(ComplianceViolation.Event event) {
            event("onViolation " + event.violation() + " " + event.details());
        }

        @Override
        public void badMessage(HttpException failure) {
            event("badMessage " + failure.getCode() + " " + failure.getReason());
        }
    }
}
