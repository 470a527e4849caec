!
the client could not reach IMDS