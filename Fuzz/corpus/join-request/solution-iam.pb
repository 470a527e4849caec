‹
ˆPOST / HTTP/1.1
Host: sts.us-west-2.amazonaws.com
User-Agent: joinery/0.1
Content-Type: application/x-www-form-urlencoded; charset=utf-8
Accept: application/json
X-Amz-Date: 20250101T000000Z
X-Amz-Security-Token: FwoGZXIvYXdzEXAMPLE
X-Teleport-Challenge: pIDgrtNuuDWsgWtVgNAygmbNZ5OjM5F3Az+J+cL+Q/0
Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/sts/aws4_request, SignedHeaders=accept;content-length;content-type;host;x-amz-date;x-amz-security-token;x-teleport-challenge, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
Content-Length: 43

Action=GetCallerIdentity&Version=2011-06-15