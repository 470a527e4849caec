import Foundation
import JoineryProto

extension Joinery_V1_Certificates {
    /// The wire form of certificates the Auth server issued: the one place ``IssuedCertificates``
    /// becomes protobuf, at the gRPC edge (the join answer and bot renewal).
    init(_ issued: IssuedCertificates) {
        self.init()
        tlsCert = Data(issued.tlsCertificateDER)
        tlsCaCerts = issued.tlsCACertificatesDER.map { Data($0) }
        sshCert = Data(issued.sshCertificate)
        sshCaKeys = issued.sshCAKeys.map { Data($0) }
    }
}
