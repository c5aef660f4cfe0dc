package creditkb.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * A real Neo4j 5 community engine for creditkb's tests and bench: Bolt on 127.0.0.1 at a
 * free port, its data in a new temporary folder.
 *
 * <p>Prints one line, {@code bolt://127.0.0.1:PORT}, on standard output once the Bolt
 * connector accepts connections; everything else goes to standard error or to the log
 * files in the folder. Stops on SIGTERM or SIGINT: the database is shut down cleanly,
 * then the folder is deleted.
 *
 * <p>Arguments: {@code key=value} Neo4j settings, as in {@code neo4j.conf} (the page
 * cache size, say); {@code --exit-with-parent} also stops the server when the process
 * that started it ends, so a killed test run leaves no server behind. With the
 * environment variable {@code NEO4J_PASSWORD} set, authentication is on and user
 * {@code neo4j} has that password; without it, authentication is off.
 */
public final class Neo4jServer {
    private static final String HOST = "127.0.0.1";

    private Neo4jServer() {}

    public static void main(String[] args) throws Exception {
        List<String> settings = new ArrayList<>();
        boolean exitWithParent = false;
        for (String arg : args) {
            if (arg.equals("--exit-with-parent")) {
                exitWithParent = true;
            } else if (arg.contains("=") && !arg.startsWith("-")) {
                settings.add(arg);
            } else {
                System.err.println("neo4j-server: unknown argument " + arg
                        + " (expected key=value settings and --exit-with-parent)");
                System.exit(2);
            }
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password != null && password.isEmpty()) {
            password = null;
        }

        Path home = Files.createTempDirectory("creditkb-neo4j-");
        DatabaseManagementService dbms;
        try {
            dbms = start(home, settings, password);
        } catch (Throwable e) {
            deleteTree(home);
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } finally {
                deleteTree(home);
                System.err.println("neo4j-server: stopped, " + home + " deleted");
                stopped.countDown();
            }
        }, "neo4j-server-stop"));

        int port = boltPort(dbms);
        awaitConnectable(port);
        System.out.println("bolt://" + HOST + ":" + port);
        System.out.flush();
        System.err.println("neo4j-server: Neo4j " + neo4jVersion() + " at bolt://" + HOST + ":" + port
                + " (data in " + home + ", authentication " + (password == null ? "off" : "on") + ")");

        if (exitWithParent) {
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
                System.err.println("neo4j-server: the process that started it has ended");
                System.exit(0);  // runs the shutdown hook
            }));
        }
        stopped.await();  // until a signal runs the hook
    }

    private static DatabaseManagementService start(Path home, List<String> settings, String password)
            throws IOException {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, 0))  // any free port
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)  // no usage reports sent out
                // Bolt's network threads otherwise wait out a quiet period of seconds on stop.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5));
        if (!settings.isEmpty()) {
            Path conf = home.resolve("neo4j.conf");
            Files.write(conf, settings, StandardCharsets.UTF_8);
            builder.loadPropertiesFromFile(conf);
        }
        DatabaseManagementService dbms = builder.build();
        if (password != null) {
            try {
                dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                        java.util.Map.of("password", password));
            } catch (RuntimeException e) {
                dbms.shutdown();
                throw e;
            }
        }
        return dbms;
    }

    /** The port the Bolt connector bound (it was asked for port 0). */
    private static int boltPort(DatabaseManagementService dbms) {
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        ConnectorPortRegister ports = ((GraphDatabaseAPI) db).getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class);
        return ports.getLocalAddress(ConnectorType.BOLT).getPort();
    }

    /** Wait until a TCP connection to the port succeeds (at most 60 s). */
    private static void awaitConnectable(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Bolt does not accept connections on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static String neo4jVersion() {
        String version = DatabaseManagementService.class.getPackage().getImplementationVersion();
        return version == null ? "5" : version;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
