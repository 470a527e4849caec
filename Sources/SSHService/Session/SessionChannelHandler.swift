import Foundation
import NIOCore
import NIOPosix
import NIOSSH

/// One SSH `session` channel (RFC 4254 §6): collects `pty-req` and `env`, starts the login's
/// shell for `shell` or `exec`, then carries bytes between the channel and the process and
/// turns the process's end into `exit-status` / `exit-signal` and a close.
///
/// The process's descriptors live on NIO pipe channels on this channel's event loop (see
/// ``ProcessOutputForwarder`` and ``ProcessInputWatcher``), its exit is awaited on a thread of
/// its own (``ProcessExitWatcher``), and everything comes back to this handler on the event
/// loop, so its state needs no lock. The session ends when the process has exited and its
/// output has been read to the end — with a PTY, or at most ``ptyDrainGrace`` after the exit,
/// since a background job may keep the terminal open.
final class SessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    static let ptyDrainGrace = TimeAmount.seconds(2)
    static let hangupGrace = TimeAmount.seconds(5)

    private enum Phase {
        case configuring
        case starting(pendingInput: [ByteBuffer], inputEnded: Bool)
        case running
        case finished
    }

    private let connection: ConnectionContext
    private let login: AuthenticatedLogin
    private let eventLoop: any EventLoop
    private let sessionID = UUID().uuidString
    private var context: ChannelHandlerContext?
    private var phase = Phase.configuring
    private var environment = SessionEnvironment()
    private var terminal: (term: String, size: TerminalSize)?
    private var command: String?
    private var process: SpawnedSessionProcess?
    private var startedAt: ContinuousClock.Instant?
    private var outputChannels: [any Channel] = []
    private var inputChannel: (any Channel)?
    private var openOutputs: Set<ProcessStream> = []
    private var exit: ProcessExit?
    private var clientSentEOF = false

    init(connection: ConnectionContext, login: AuthenticatedLogin, eventLoop: any EventLoop) {
        self.connection = connection
        self.login = login
        self.eventLoop = eventLoop
    }

    private var interactive: Bool { terminal != nil || command == nil }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    // MARK: Requests

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            let size = TerminalSize(rows: request.terminalRowHeight, columns: request.terminalCharacterWidth,
                                    widthPixels: request.terminalPixelWidth, heightPixels: request.terminalPixelHeight)
            let accepted = isConfiguring && terminal == nil
            if accepted { terminal = (request.term, size) }
            reply(accepted, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            reply(isConfiguring && environment.accept(name: request.name, value: request.value), wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.ShellRequest:
            start(command: nil, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.ExecRequest:
            start(command: request.command, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            reply(false, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.WindowChangeRequest:
            resize(TerminalSize(rows: request.terminalRowHeight, columns: request.terminalCharacterWidth,
                                widthPixels: request.terminalPixelWidth, heightPixels: request.terminalPixelHeight))
        case let request as SSHChannelRequestEvent.SignalRequest:
            if case .running = phase, exit == nil, let number = SSHSignalName.number(request.signal) {
                process?.signalGroup(number)
            }
        case ChannelEvent.inputClosed:
            clientSentEOF = true
            clientInputEnded()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private var isConfiguring: Bool {
        if case .configuring = phase { return true }
        return false
    }

    private func reply(_ success: Bool, wantReply: Bool) {
        guard wantReply, let context else { return }
        let event: any Sendable = success ? ChannelSuccessEvent() : ChannelFailureEvent()
        context.channel.triggerUserOutboundEvent(event, promise: nil)
    }

    private func resize(_ size: TerminalSize) {
        guard terminal != nil else { return }
        terminal?.size = size
        process?.setWindowSize(size)
    }

    // MARK: Starting the process

    private func start(command: String?, wantReply: Bool) {
        guard isConfiguring, let context else {
            reply(false, wantReply: wantReply)
            return
        }
        phase = .starting(pendingInput: [], inputEnded: false)
        self.command = command
        let launch = SessionLaunch.forLogin(
            login.account, command: command, environment: [], switchUser: connection.services.identityRule.switchesUser)
        let terminal = self.terminal, environment = self.environment, login = self.login
        let client = connection.clientEndpoint, server = connection.serverEndpoint
        let spawned = NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            let pty = try terminal.map { try SpawnedSessionProcess.openTerminal($0.size, owner: launch.switchTo?.uid) }
            var launch = launch
            launch.environment = environment.entries(
                account: login.account, teleportUser: login.request.user, term: terminal?.term, ttyName: pty?.name,
                client: client, server: server)
            return try SpawnedSessionProcess.spawn(launch, on: pty)
        }
        let channel = context.channel
        spawned.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let process):
                self.processStarted(process, channel: channel, wantReply: wantReply)
            case .failure(let error):
                self.connection.services.logger.warning("SSH session could not start", metadata: [
                    "login": "\(self.login.account.name)", "error": "\(error)",
                ])
                self.phase = .finished
                self.reply(false, wantReply: wantReply)
                self.context?.close(promise: nil)
            }
        }
    }

    private func processStarted(_ process: SpawnedSessionProcess, channel: any Channel, wantReply: Bool) {
        self.process = process
        startedAt = .now
        openOutputs = process.ptyMaster != nil ? [.output] : [.output, .errorOutput]
        record(.sessionStart)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        ProcessExitWatcher.watch(process.pid) { exit in
            eventLoop.execute { bound.value.processExited(exit) }
        }
        if self.context == nil {
            // The client went away while we were starting.
            process.signalGroup(SIGHUP)
            self.process?.closeDescriptors()
            openOutputs = []
            phase = .running
            return
        }
        ProcessPipes.attach(process, session: bound, sshChannel: channel).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let pipes):
                self.outputChannels = pipes.outputs
                self.inputChannel = pipes.input
                self.pipesAttached(wantReply: wantReply)
            case .failure(let error):
                self.connection.services.logger.warning("SSH session could not attach to its process", metadata: ["error": "\(error)"])
                process.signalGroup(SIGKILL)
                self.openOutputs = []
                self.phase = .running
                self.reply(false, wantReply: wantReply)
            }
        }
    }

    private func pipesAttached(wantReply: Bool) {
        guard case .starting(let pendingInput, let inputEnded) = phase else { return }
        phase = .running
        reply(true, wantReply: wantReply)
        if context == nil {
            closeProcessChannels()
            process?.signalGroup(SIGHUP)
            return
        }
        for buffer in pendingInput { writeInput(buffer) }
        if inputEnded { clientInputEnded() }
        maybeFinish()
    }

    // MARK: Client → process

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let data = unwrapInboundIn(data)
        guard data.type == .channel, case .byteBuffer(let buffer) = data.data else { return }
        switch phase {
        case .starting(var pendingInput, let inputEnded):
            pendingInput.append(buffer)
            phase = .starting(pendingInput: pendingInput, inputEnded: inputEnded)
        case .running:
            writeInput(buffer)
        case .configuring, .finished:
            break
        }
    }

    private func writeInput(_ buffer: ByteBuffer) {
        guard let inputChannel else { return }
        inputChannel.writeAndFlush(buffer, promise: nil)
        if !inputChannel.isWritable {
            context?.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    /// The process's stdin (or PTY) can take more: read from the client again.
    func processInputWritable() {
        context?.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    }

    private func clientInputEnded() {
        switch phase {
        case .starting(let pendingInput, _):
            phase = .starting(pendingInput: pendingInput, inputEnded: true)
        case .running:
            // A PTY has no half-close: the client's EOF means nothing to the terminal.
            if process?.pipes != nil {
                inputChannel?.close(promise: nil)
                inputChannel = nil
            }
        case .configuring, .finished:
            break
        }
    }

    // MARK: Process → client

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            for channel in outputChannels { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
        }
        context.fireChannelWritabilityChanged()
    }

    func processOutputEnded(_ stream: ProcessStream) {
        openOutputs.remove(stream)
        maybeFinish()
    }

    func processExited(_ exit: ProcessExit) {
        self.exit = exit
        if process?.ptyMaster != nil, !openOutputs.isEmpty {
            eventLoop.assumeIsolated().scheduleTask(in: Self.ptyDrainGrace) {
                self.openOutputs = []
                self.maybeFinish()
            }
        }
        maybeFinish()
    }

    // MARK: The end

    private func maybeFinish() {
        guard case .running = phase, let exit, openOutputs.isEmpty else { return }
        phase = .finished
        closeProcessChannels()
        process?.closeWindowSizeDescriptor()
        if let command {
            record(.exec, command: command, exitCode: exit.auditCode)
        }
        record(.sessionEnd, exitCode: exit.auditCode,
               duration: startedAt.map { Self.seconds(ContinuousClock.now - $0) })
        guard let context else { return }
        let channel = context.channel
        if !clientSentEOF { channel.close(mode: .output, promise: nil) }
        let status: any Sendable
        switch exit {
        case .exited(let code):
            status = SSHChannelRequestEvent.ExitStatus(exitStatus: Int(code))
        case .signaled(let signal, let coreDumped):
            status = SSHChannelRequestEvent.ExitSignal(
                signalName: SSHSignalName.name(signal), errorMessage: "", language: "", dumpedCore: coreDumped)
        }
        channel.triggerUserOutboundEvent(status).assumeIsolated().whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        closeProcessChannels()
        if process != nil, exit == nil {
            // As sshd does when the connection drops: hang up, then insist.
            process?.signalGroup(SIGHUP)
            let pid = process?.pid
            eventLoop.assumeIsolated().scheduleTask(in: Self.hangupGrace) {
                if self.exit == nil, self.process?.pid == pid { self.process?.signalGroup(SIGKILL) }
            }
        }
        context.fireChannelInactive()
    }

    private func closeProcessChannels() {
        for channel in outputChannels { channel.close(promise: nil) }
        inputChannel?.close(promise: nil)
        outputChannels = []
        inputChannel = nil
    }

    private func record(_ kind: SSHSessionEvent.Kind, command: String? = nil, exitCode: Int32? = nil, duration: Double? = nil) {
        let services = connection.services
        services.audit.record(SSHSessionEvent(
            kind: kind, user: login.request.user, login: login.account.name, clientAddress: connection.clientAddress,
            sessionID: sessionID, command: command, exitCode: exitCode, interactive: interactive,
            durationSeconds: duration, time: services.now()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
