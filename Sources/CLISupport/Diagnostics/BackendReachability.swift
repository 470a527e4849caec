import JoinCore
import Server

/// Ready while the Auth server's backend answers a read.
///
/// It reads one key that is never written, the cheapest call every backend has. A backend
/// bounds its own waits (PostgreSQL gives up after its connection wait timeout), so a
/// `/readyz` during an outage answers 503 within that bound rather than hanging.
public struct BackendReachability: ReadinessCheck {
    static let probeKey = "/diagnostics/readiness-probe"

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    public func verdict() async -> ReadinessVerdict {
        do {
            _ = try await backend.get(Self.probeKey)
            return .ready
        } catch let error as JoinError {
            // Backend errors are written to carry no secret (keys are masked, conn strings omitted).
            return .notReady("the backend is unavailable: \(error.message)")
        } catch {
            return .notReady("the backend is unavailable (\(String(describing: type(of: error))))")
        }
    }
}
