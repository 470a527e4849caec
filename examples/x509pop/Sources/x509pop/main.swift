import JoinPluginSDK
import X509PopJoin

// The x509pop join method as a program Joinery starts by name (see README.md). Everything the
// method does is in X509PopJoin; this is only the plugin protocol's entry point.
try await JoinPluginMain.run(X509Pop.plugin)
