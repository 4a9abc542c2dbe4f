/// The byte-level, option-struct form of `HostConnection.run` and an unlabeled `putFile`,
/// with typed errors, for callers that want `HostConnectionError` (the rollout engine uses
/// these). Errors that are not already `HostConnectionError` are wrapped with the host name.
extension HostConnection {
    /// Runs `argv` with `options`; see `HostConnection.run`.
    func exec(_ argv: [String], options: ExecOptions) throws(HostConnectionError) -> ExecResult {
        // SSH keeps stdout/stderr as bytes and the signal name; other connections go via text.
        if let session = self as? SSHSession { return try session.execRaw(argv, options: options) }
        do {
            let result = try run(
                argv, become: options.become, becomeUser: options.becomeUser, timeout: options.timeout,
                limits: options.limits)
            return ExecResult(
                status: result.status, signal: nil, stdoutCapture: result.stdoutCapture,
                stderrCapture: result.stderrCapture)
        } catch let error as HostConnectionError {
            throw error
        } catch {
            throw HostConnectionError(
                host: hostName, phase: .exec, message: "\(error)", nextStep: "retry; check the host")
        }
    }

    /// Uploads `localPath`; see `HostConnection.putFile(localPath:mode:)`.
    func putFile(_ localPath: String, mode: Int32) throws(HostConnectionError) -> UploadResult {
        do {
            return try putFile(localPath: localPath, mode: mode)
        } catch let error as HostConnectionError {
            throw error
        } catch {
            throw HostConnectionError(
                host: hostName, phase: .sftp, message: "\(error)", nextStep: "retry; check the host")
        }
    }
}
